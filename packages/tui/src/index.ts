// @threadline/tui: the Ink terminal UI, started by `threadline tui`. This
// module stays light (no ink, no react, no engine) so the CLI can import it
// for dispatch and --help without paying for them.
import type { Connect } from '@threadline/core';
import { parseTuiArgs, USAGE } from './args.js';

export { USAGE as TUI_USAGE } from './args.js';

export interface TuiDeps {
  connect: Connect;
  /** Default process.stdin / stdout / stderr. */
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}

export const NOT_A_TERMINAL =
  'threadline tui needs a terminal, and this output is not one.\n' +
  'To run a job and print its progress as lines, use `threadline run <job>` instead.\n';

/** Runs `threadline tui` with argv (without "tui"); resolves to the exit code. Throws ValidationError on bad usage. */
export async function runTui(argv: string[], deps: TuiDeps): Promise<number> {
  const stdin = deps.stdin ?? process.stdin;
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  const parsed = parseTuiArgs(argv);
  if (!parsed.ok) {
    const { ValidationError } = await import('@threadline/core');
    throw new ValidationError(parsed.message);
  }
  if (parsed.options.help) {
    stdout.write(USAGE);
    return 0;
  }
  if (!stdout.isTTY || !stdin.isTTY) {
    stderr.write(NOT_A_TERMINAL);
    return 2;
  }
  const { startTui } = await import('./run.js');
  return startTui(parsed.options, { connect: deps.connect, stdin, stdout, stderr });
}
