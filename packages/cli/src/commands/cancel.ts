// `threadline cancel <job-id>...`: cancel jobs, wherever they run.
import { NotFoundError, ValidationError } from '@threadline/core';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';
import {
  type CommandSpec,
  HELP,
  helpText,
  type OptionTable,
  parseCommand,
  WHERE,
  whereFrom,
} from '../options.js';

export const CANCEL = {
  name: 'cancel',
  synopsis: '<job-id>... [options]',
  description: `Cancel jobs: queued ones at once, running ones at their items' next check
(or, with --force, by terminating their threads now).`,
  positionals: true,
  options: {
    force: { type: 'boolean', short: 'f', help: 'terminate running items now' },
    reason: {
      type: 'string',
      value: '<text>',
      help: 'why, kept on the job (default "cancelled from the CLI")',
    },
    ...WHERE,
    help: HELP,
  },
  footer: 'Exit codes: 0 cancelled (or already finished), 2 bad usage or an unknown id.',
} as const satisfies CommandSpec<OptionTable>;

export async function runCancel(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommand(argv, CANCEL);
  if (values.help) {
    console.log(helpText(CANCEL));
    return EXIT.ok;
  }
  if (positionals.length === 0)
    throw new ValidationError('give the id of the job to cancel (see threadline list)');
  const connection = await deps.connect({ ...whereFrom(values), poolSize: 1 });
  try {
    for (const id of positionals) {
      const job = await connection.client.get(id);
      if (!job) throw new NotFoundError(`no job with id ${id}`);
      const after = await connection.client.cancel(id, {
        reason: values.reason ?? 'cancelled from the CLI',
        ...(values.force ? { force: true } : {}),
      });
      console.log(`${id}: ${after.state}`);
    }
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
