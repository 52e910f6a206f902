// `threadline tui`: its options come from the same table as every command's, so
// it takes the connection flags (--token-file included) as they are everywhere.
import type { TuiDeps } from '@threadline/tui';
import { EXIT, UsageError } from '../exit.js';
import {
  type CommandSpec,
  HELP,
  helpText,
  type OptionTable,
  parseCommand,
  WHERE,
  whereFrom,
} from '../options.js';

export const TUI = {
  name: 'tui',
  synopsis: '[options]',
  description: `Watch and steer jobs in the terminal: a live list with progress bars, rate and
ETA; keys to start, cancel and inspect jobs, and to pause or remove schedules.

With --redis (or the config's redis) it shows a BullMQ deployment's jobs, run
by its \`threadline worker\`s. Without either it runs its own engine on the data
directory, with the project config's jobs; quitting asks first when jobs are
running, and cancels them. Stopped by a signal, it lets running items finish
(the config's drainMs) and leaves the rest interrupted, for r to resume.`,
  options: {
    server: WHERE.server,
    redis: WHERE.redis,
    'token-file': WHERE['token-file'],
    token: WHERE.token,
    'data-dir': WHERE['data-dir'],
    help: HELP,
  },
  footer: `Keys: n start · c cancel · f force · r resume · enter details · / filter · q quit
      s schedules (there: p pause/resume · x remove · esc back) · ? every key
Mouse: a click selects a row, the wheel scrolls. NO_COLOR=1 turns colour off.
Without a terminal, use \`threadline run <job>\` instead.`,
} as const satisfies CommandSpec<OptionTable>;

export async function runTuiCommand(argv: string[], deps: TuiDeps): Promise<number> {
  const { values } = parseCommand(argv, TUI);
  if (values.help) {
    console.log(helpText(TUI));
    return EXIT.ok;
  }
  const given = (['server', 'redis', 'data-dir'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length > 1)
    throw new UsageError(
      `${given.map((flag) => `--${flag}`).join(' and ')} cannot be used together\nSee: threadline tui --help`,
    );
  if (values.server !== undefined && !URL.canParse(values.server))
    throw new UsageError(
      `--server needs a URL, like http://127.0.0.1:7420 (got "${values.server}")\nSee: threadline tui --help`,
    );
  const { runTui } = await import('@threadline/tui');
  return runTui(whereFrom(values), deps);
}
