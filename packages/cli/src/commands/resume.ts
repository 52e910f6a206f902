// `threadline resume <job-id>`: runs again what an interrupted, failed, partial
// or cancelled job did not do, as a new job whose succeeded items are not run
// again, and follows it to its end as `threadline run` does.
import type { JobSnapshot } from '@threadline/core';
import { positiveInt } from '../connect.js';
import type { CommandDeps } from '../deps.js';
import { EXIT, UsageError } from '../exit.js';
import { followFooter, followJob } from '../follow.js';
import {
  type CommandSpec,
  FOLLOW,
  HELP,
  helpText,
  type OptionTable,
  POOL_SIZE,
  parseCommand,
  WHERE,
  whereFrom,
} from '../options.js';

export const RESUME = {
  name: 'resume',
  synopsis: '<job-id> [options]',
  description: `Resume a job that was interrupted (its engine or server stopped), failed, ended
partial or was cancelled: a new job with the same input, whose items that succeeded
before are not run again (their results still reach its summary). Shows its progress
until it ends, as \`threadline run\` does. A job that succeeded, still runs, or was
resumed already is refused.`,
  positionals: true,
  options: { 'pool-size': POOL_SIZE, ...FOLLOW, ...WHERE, help: HELP },
  footer: followFooter('bad usage, an unknown id, or a job that cannot be resumed'),
} as const satisfies CommandSpec<OptionTable>;

/** "40 of 100 items already done": what the new job takes over, in the old job's unit. */
function alreadyDone(old: JobSnapshot | undefined): string {
  if (!old) return 'resumed';
  const { succeeded, total } = old.items;
  // Items, not the progress's units: bytes are not what succeeded.
  const unit = old.unit === 'bytes' ? 'items' : old.unit;
  return total === null
    ? `${succeeded} ${unit} already done`
    : `${succeeded} of ${total} ${unit} already done`;
}

export async function runResume(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommand(argv, RESUME);
  if (values.help) {
    console.log(helpText(RESUME));
    return EXIT.ok;
  }
  const [id, ...extra] = positionals;
  if (!id || extra.length)
    throw new UsageError(
      'give the id of one job to resume (`threadline list --state interrupted` shows them)\n' +
        'See: threadline resume --help',
    );
  const poolSize = positiveInt(values['pool-size'], 'pool-size');
  const connection = await deps.connect({ ...whereFrom(values), ...(poolSize ? { poolSize } : {}) });
  try {
    // Refused (succeeded, still running, resumed already) or unknown: a one-line error, exit 2.
    const job = await connection.client.resume(id);
    const old = await connection.client.get(id);
    return await followJob(connection.client, job, {
      json: values.json ?? false,
      quiet: values.quiet ?? false,
      heading: `resuming ${id} as ${job.id}: ${alreadyDone(old)}`,
    });
  } finally {
    await connection.close();
  }
}
