// A real terminal for the TUI's tests: tmux runs a command in a pane of a given
// size, a test reads the screen with capture-pane (-e for its colours) and types
// with send-keys, as a user would. Each terminal is a tmux server on its own
// socket in the test's folder: ending it ends only what the test started.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './wait.js';

export interface TmuxOptions {
  /** A folder of the test's own: the socket and tmux's config go there. */
  dir: string;
  /** The shell command the pane runs; when it exits, the pane says "the TUI exited with <status>". */
  command: string;
  /** Where the command runs. */
  cwd: string;
  /** The pane's size; default 80x24. */
  x?: number;
  y?: number;
  /** The tmux server's environment, and so the command's; default this process's. */
  env?: NodeJS.ProcessEnv;
}

export interface TmuxTerminal {
  /** Runs a tmux command against this terminal's server; its complaints go into the thrown error. */
  tmux(...args: string[]): string;
  screen(): string;
  /** The screen with its escape codes (colours, bold, inverse), as capture-pane -e gives them. */
  styled(): string;
  /** The screen with the pane's history: what the shell shows after the TUI has left its alternate screen. */
  scrollback(): string;
  keys(...names: string[]): void;
  /** Bytes as a terminal sends them (a mouse report), past tmux's key names. */
  raw(bytes: string): void;
  /** Waits until the screen (or `read`'s text) shows `text`; resolves to what it showed. */
  see(text: string | RegExp, timeoutMs?: number, read?: () => string): Promise<string>;
  lines(): string[];
  footer(): string;
  /** Waits for the command to exit: "the TUI exited with <status>". */
  exitLine(): Promise<string>;
  /** Ends the tmux server and what runs in it. */
  end(): void;
}

let sockets = 0;

/** Starts `command` in a new terminal. */
export function startTmux(options: TmuxOptions): TmuxTerminal {
  const config = join(options.dir, 'tmux.conf');
  // The pane stays after the TUI exits, so its last words can be read; no status bar, so the TUI has all the rows.
  writeFileSync(config, 'set -g remain-on-exit on\nset -g status off\n');
  const socket = join(options.dir, `tmux-${process.pid}-${++sockets}.sock`);
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-S', socket, '-f', config, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.env ? { env: options.env } : {}),
    });
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
    options.cwd,
    `${options.command}; echo "the TUI exited with $?"`,
  );

  const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
  const scrollback = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'tui');
  const lines = () => screen().trimEnd().split('\n');
  return {
    tmux,
    screen,
    styled: () => tmux('capture-pane', '-p', '-e', '-t', 'tui'),
    scrollback,
    keys: (...names) => {
      tmux('send-keys', '-t', 'tui', ...names);
    },
    raw: (bytes) => {
      tmux('send-keys', '-t', 'tui', '-l', bytes);
    },
    see: (text, timeoutMs = 15_000, read = screen) =>
      until(
        () => {
          const shown = read();
          return (typeof text === 'string' ? shown.includes(text) : text.test(shown)) && shown;
        },
        () => `"${text}" in the terminal; it showed:\n${read()}`,
        timeoutMs,
      ),
    lines,
    footer: () => lines().at(-1) ?? '',
    exitLine: () =>
      until(
        () => /the TUI exited with \d+/.exec(scrollback())?.[0],
        () => `the TUI to exit; it showed:\n${scrollback()}`,
        20_000,
      ),
    end: () => {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
    },
  };
}
