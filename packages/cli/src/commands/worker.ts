// `threadline worker`: runs items of a BullMQ deployment's jobs on this
// machine's worker threads until stopped. Any number of workers, on any number
// of machines, share a deployment; each takes items as its threads come free.
import { describeConnection, runBullmqWorker } from '@threadline/bullmq';
import { ValidationError } from '@threadline/core';
import { configured } from '../config/project.js';
import { positiveInt } from '../connect.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';
import {
  type CommandSpec,
  HELP,
  helpText,
  type OptionTable,
  POOL_SIZE,
  parseCommand,
  WHERE,
} from '../options.js';

export const WORKER = {
  name: 'worker',
  synopsis: '--redis <url> [options]',
  description: `Run items of jobs started with --redis on this machine, until stopped.
Start as many workers as you like, on as many machines, against one Redis.
A worker runs the jobs of the project config it finds (its \`jobs\`, and the
built-ins unless \`builtins: false\`): give every machine the same config, and a
job started anywhere runs on any worker by its name.`,
  options: {
    redis: {
      ...WHERE.redis,
      help: "the deployment's Redis, e.g. redis://127.0.0.1:6379 (default THREADLINE_REDIS, else the config's redis)",
    },
    'pool-size': POOL_SIZE,
    help: HELP,
  },
  footer: `Ctrl+C stops taking items and lets running ones finish and be recorded; a second
Ctrl+C stops at once, and other workers take up the items this one held.
Exit codes: 0 stopped, 2 bad usage or Redis unreachable.`,
} as const satisfies CommandSpec<OptionTable>;

/** `signal` stops the worker as Ctrl+C does (for embedding and tests). */
export async function runWorker(
  argv: string[],
  deps: CommandDeps & { signal?: AbortSignal },
): Promise<number> {
  const { values } = parseCommand(argv, WORKER);
  if (values.help) {
    console.log(helpText(WORKER));
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
  const concurrency = positiveInt(values['pool-size'], 'pool-size') ?? configured(settings.poolSize);
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
