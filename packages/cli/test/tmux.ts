// A real terminal for the tests of `threadline tui`: tmux runs the built command
// in a pane of a given size, a test reads the screen with capture-pane (-e for
// its colours) and types with send-keys, as a user would. One tmux server per
// terminal, on its own socket in the test's temp folder: ending it ends only
// what the test started. Register it once per file with `useTmux`.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@threadline/testing';
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
  let socket = '';
  let sockets = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    // The pane stays after the TUI exits, so its last words can be read; no status bar, so the TUI has all the rows.
    await writeFile(join(dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g status off\n');
  });
  afterEach(() => end());
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const tmux = (...args: string[]) =>
    // tmux's complaints go into the thrown error, not onto the test's output.
    execFileSync('tmux', ['-S', socket, '-f', join(dir, 'tmux.conf'), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  /** Runs `threadline <args>` in a new terminal; the pane's shell says how it exited. */
  const start = (args: string[], options: TmuxOptions = {}): void => {
    socket = join(dir, `tmux-${++sockets}.sock`);
    const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    const env = Object.entries(options.env ?? {})
      .map(([name, value]) => `${name}='${value}'`)
      .join(' ');
    // ink draws only the last frame when it thinks it runs on CI; a user's terminal is not CI.
    const command = `env -u CI -u CONTINUOUS_INTEGRATION -u VITEST ${env} '${process.execPath}' bin/threadline.js ${quoted}; echo "the TUI exited with $?"`;
    tmux(
      'new-session',
      '-d',
      '-s',
      'tui',
      '-x',
      String(options.x ?? 80),
      '-y',
      String(options.y ?? 24),
      '-c',
      cliDir,
      command,
    );
  };

  const end = (): void => {
    try {
      tmux('kill-server');
    } catch {
      // already gone
    }
  };

  const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
  /** The screen with its escape codes (colours, bold, inverse), as capture-pane -e gives them. */
  const styled = () => tmux('capture-pane', '-p', '-e', '-t', 'tui');
  /** The screen with the pane's history: what the shell shows after the TUI has left its alternate screen. */
  const scrollback = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'tui');
  const keys = (...names: string[]) => tmux('send-keys', '-t', 'tui', ...names);
  /** Bytes as a terminal sends them (a mouse report), past tmux's key names. */
  const raw = (bytes: string) => tmux('send-keys', '-t', 'tui', '-l', bytes);
  const see = (text: string | RegExp, timeoutMs = 15_000, read = screen) =>
    until(
      () => {
        const shown = read();
        return (typeof text === 'string' ? shown.includes(text) : text.test(shown)) && shown;
      },
      () => `"${text}" in the terminal; it showed:\n${read()}`,
      timeoutMs,
    );
  const lines = () => screen().trimEnd().split('\n');
  const footer = () => lines().at(-1) ?? '';
  const exitLine = () =>
    until(
      () => /the TUI exited with \d+/.exec(scrollback())?.[0],
      () => `the TUI to exit; it showed:\n${scrollback()}`,
      20_000,
    );

  return {
    /** The temp folder of this file's terminals: data directories go in it too. */
    dir: () => dir,
    start,
    end,
    tmux,
    screen,
    styled,
    scrollback,
    keys,
    raw,
    see,
    lines,
    footer,
    exitLine,
  };
}
