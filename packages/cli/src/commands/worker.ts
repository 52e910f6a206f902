// `threadline worker`: runs items of a BullMQ deployment's jobs on this
// machine's worker threads until stopped. Any number of workers, on any number
// of machines, share a deployment; each takes items as its threads come free.
import { type BullmqWorker, describeConnection, runBullmqWorker } from '@threadline/bullmq';
import { formatDuration, ValidationError } from '@threadline/core';
import { configured, itemLimits } from '../config/project.js';
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
  footer: `Ctrl+C (or SIGTERM) stops taking items and lets running ones finish and be recorded,
for up to the config's drainMs (10 s); items still running then are stopped and go back to
the queue, where other workers run them again. A second Ctrl+C does that at once, a third
exits at once.
Exit codes: 0 stopped, 130 stopped at once, 2 bad usage or Redis unreachable.`,
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
  const { registry, settings, retention } = await deps.project();
  const redis = values.redis ?? settings.redis.value;
  if (!redis)
    throw new ValidationError(
      "threadline worker needs --redis <url> (or THREADLINE_REDIS, or the config's redis)",
    );
  if (!/^rediss?(\+cluster)?:\/\//.test(redis)) {
    throw new ValidationError(`--redis must be a redis:// or rediss:// URL, got "${redis}"`);
  }
  const concurrency = positiveInt(values['pool-size'], 'pool-size') ?? configured(settings.poolSize);
  const drainMs = settings.drainMs.value;
  const worker = await runBullmqWorker({
    connection: redis,
    registry,
    retention,
    graceMs: settings.graceMs.value,
    drainMs,
    ...itemLimits(settings),
    log,
    ...(concurrency ? { concurrency } : {}),
  });
  console.error(
    `threadline worker ${worker.id}: ${worker.pool.size} threads, taking items from ${describeConnection(redis)}`,
  );
  const { report, atOnce } = await stopOnSignals(worker, drainMs, deps.signal);
  const parts = [];
  if (report.finished > 0) parts.push(`${chunks(report.finished)} finished`);
  if (report.handedBack > 0)
    parts.push(
      `${chunks(report.handedBack)} handed back to the queue (their items run again on other workers)`,
    );
  log(parts.length ? `stopped: ${parts.join('; ')}` : 'stopped');
  return atOnce ? EXIT.cancelled : EXIT.ok;
}

const log = (line: string) => console.error(`threadline worker: ${line}`);
const chunks = (n: number) => `${n} chunk${n === 1 ? '' : 's'}`;

/**
 * Runs until a signal, then stops: the first signal lets running chunks finish for `drainMs`,
 * the second hands them back to the queue at once, the third exits there and then.
 */
async function stopOnSignals(worker: BullmqWorker, drainMs: number, signal?: AbortSignal) {
  let signals = 0;
  let stop = () => {};
  try {
    const report = await new Promise<Awaited<ReturnType<BullmqWorker['shutdown']>>>((resolve, reject) => {
      stop = () => {
        signals++;
        if (signals === 1) {
          const onDrain = (running: number) =>
            log(
              running === 0
                ? 'stopping'
                : `stopping: letting ${chunks(running)} of running items finish (up to ${formatDuration(drainMs / 1000)}); again to stop at once`,
            );
          worker.shutdown({ onDrain }).then(resolve, reject);
        } else if (signals === 2) {
          log('stopping at once: running items go back to the queue for other workers (again to exit now)');
          void worker.shutdown({ drainMs: 0 });
        } else {
          // Nothing answers (Redis away): go now. This worker's chunks stall, and other workers run them.
          process.exit(EXIT.cancelled);
        }
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      signal?.addEventListener('abort', stop, { once: true });
    });
    return { report, atOnce: signals > 1 };
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
