// @threadline/tui: the Ink terminal UI, started by `threadline tui`, whose
// options the CLI parses with every command's. This module stays light (no
// ink, no react, no engine) so the CLI can import it without paying for them.
import type { Connect, ConnectOptions } from '@threadline/core';

/** Where the TUI finds jobs: a server, or the engine of a data directory (default). */
export type TuiOptions = Pick<ConnectOptions, 'dataDir' | 'server' | 'redis' | 'token'>;

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

/** Runs the TUI until it quits; resolves to the exit code (2 without a terminal). */
export async function runTui(options: TuiOptions, deps: TuiDeps): Promise<number> {
  const stdin = deps.stdin ?? process.stdin;
  const stdout = deps.stdout ?? process.stdout;
  const stderr = deps.stderr ?? process.stderr;
  if (!stdout.isTTY || !stdin.isTTY) {
    stderr.write(NOT_A_TERMINAL);
    return 2;
  }
  const { startTui } = await import('./run.js');
  return startTui(options, { connect: deps.connect, stdin, stdout, stderr });
}
