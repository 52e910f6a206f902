// The terminal of the tests of `threadline tui`: @threadline/testing's tmux
// running the built command, one terminal at a time in this file's temp folder,
// ended after each test. Register it once per file with `useTmux`.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTmux, type TmuxTerminal } from '@threadline/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';

const cliDir = fileURLToPath(new URL('..', import.meta.url));

export interface TmuxOptions {
  /** The pane's size; default 80x24. */
  x?: number;
  y?: number;
  /** Variables set for the command (NO_COLOR, FORCE_COLOR…), as `env` sets them. */
  env?: Record<string, string>;
}

export function useTmux(prefix: string) {
  let dir = '';
  let terminal: TmuxTerminal | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(() => end());
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const current = (): TmuxTerminal => {
    if (!terminal) throw new Error('no terminal: start one first');
    return terminal;
  };

  /** Runs `threadline <args>` in a new terminal; the pane's shell says how it exited. */
  const start = (args: string[], options: TmuxOptions = {}): void => {
    const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    const env = Object.entries(options.env ?? {})
      .map(([name, value]) => `${name}='${value}'`)
      .join(' ');
    // ink draws only the last frame when it thinks it runs on CI; a user's terminal is not CI.
    const command = `env -u CI -u CONTINUOUS_INTEGRATION -u VITEST ${env} '${process.execPath}' bin/threadline.js ${quoted}`;
    terminal = startTmux({
      dir,
      command,
      cwd: cliDir,
      ...(options.x !== undefined ? { x: options.x } : {}),
      ...(options.y !== undefined ? { y: options.y } : {}),
    });
  };

  const end = (): void => {
    terminal?.end();
    terminal = undefined;
  };

  return {
    /** The temp folder of this file's terminals: data directories go in it too. */
    dir: () => dir,
    start,
    end,
    tmux: (...args: string[]) => current().tmux(...args),
    screen: () => current().screen(),
    styled: () => current().styled(),
    scrollback: () => current().scrollback(),
    keys: (...names: string[]) => current().keys(...names),
    raw: (bytes: string) => current().raw(bytes),
    see: (text: string | RegExp, timeoutMs?: number, read?: () => string) =>
      current().see(text, timeoutMs, read),
    lines: () => current().lines(),
    footer: () => current().footer(),
    exitLine: () => current().exitLine(),
  };
}
