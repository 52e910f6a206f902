// `threadline worker`: runs items of a BullMQ deployment's jobs on this
// machine's worker threads until stopped. Any number of workers, on any number
// of machines, share a deployment; each takes items as its threads come free.
import { parseArgs } from 'node:util';
import { describeConnection, runBullmqWorker } from '@threadline/bullmq';
import { ValidationError } from '@threadline/core';
import { positiveInt } from '../connect.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';

export const WORKER_USAGE = `Usage: threadline worker --redis <url> [options]

Run items of jobs started with --redis on this machine, until stopped.
Start as many workers as you like, on as many machines, against one Redis.
A worker runs the jobs of the project config it finds (its \`jobs\`, and the
built-ins unless \`builtins: false\`): give every machine the same config, and a
job started anywhere runs on any worker by its name.

Options:
  --redis <url>         the deployment's Redis, e.g. redis://127.0.0.1:6379
                        (default THREADLINE_REDIS, else the config's redis)
  --concurrency <n>     worker threads (default the config's poolSize, else one per core)
  -h, --help            show this help

Ctrl+C stops taking items and lets running ones finish and be recorded; a second
Ctrl+C stops at once, and other workers take up the items this one held.
Exit codes: 0 stopped, 2 bad usage or Redis unreachable.`;

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        redis: { type: 'string' },
        concurrency: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    throw new ValidationError(`${(error as Error).message}\nSee: threadline worker --help`);
  }
}

/** `signal` stops the worker as Ctrl+C does (for embedding and tests). */
export async function runWorker(
  argv: string[],
  deps: CommandDeps & { signal?: AbortSignal },
): Promise<number> {
  const values = parse(argv);
  if (values.help) {
    console.log(WORKER_USAGE);
    return EXIT.ok;
  }
  const { registry, settings } = await deps.project();
  const redis = values.redis ?? settings.redis.value;
  if (!redis)
    throw new ValidationError(
      "threadline worker needs --redis <url> (or THREADLINE_REDIS, or the config's redis)",
    );
  if (!/^rediss?:\/\//.test(redis)) {
    throw new ValidationError(`--redis must be a redis:// or rediss:// URL, got "${redis}"`);
  }
  const concurrency =
    positiveInt(values.concurrency, 'concurrency') ??
    (settings.poolSize.source === 'default' ? undefined : settings.poolSize.value);
  const worker = await runBullmqWorker({
    connection: redis,
    registry,
    graceMs: settings.graceMs.value,
    log: (message) => console.error(`threadline worker: ${message}`),
    ...(concurrency ? { concurrency } : {}),
  });
  console.error(
    `threadline worker ${worker.id}: ${worker.pool.size} threads, taking items from ${describeConnection(redis)}`,
  );
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => {
      if (stopping) {
        // Second signal: go now. This worker's chunks stall and other workers run them again.
        process.exit(EXIT.cancelled);
      }
      stopping = true;
      console.error('threadline worker: finishing running items (Ctrl+C again to stop at once)');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    deps.signal?.addEventListener('abort', stop, { once: true });
  });
  await worker.close();
  return EXIT.ok;
}
