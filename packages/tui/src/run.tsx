// Starts the TUI on a terminal: connects, draws on the alternate screen (the
// shell's screen comes back intact on exit), waits for quit, and closes the
// connection. Closing an own engine drains it: running items may finish, and
// what is left ends interrupted; the shell is told which jobs.
import { constants } from 'node:os';
import type { Connect } from '@threadline/core';
import type { JobSnapshot } from '@threadline/core/client';
import { type Instance, render } from 'ink';
import { drainNotice } from './drain-notice.js';
import type { TuiOptions } from './index.js';
import { stopsOnQuit } from './state/quit.js';
import { tuiJobsView } from './state/view.js';
import { watchedClient } from './state/watchdog.js';
import { App, type AppResult } from './ui/App.js';
import { MOUSE_OFF, MOUSE_ON } from './ui/mouse.js';

const ENTER_ALT_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALT_SCREEN = '\u001b[?1049l';

export interface TuiIo {
  connect: Connect;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}

export async function startTui(options: TuiOptions, io: TuiIo): Promise<number> {
  const connection = await io.connect({
    ...(options.server !== undefined ? { server: options.server } : {}),
    ...(options.redis !== undefined ? { redis: options.redis } : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });
  const where =
    (options.server && withoutQuery(options.server)) ??
    (options.redis && withoutPassword(options.redis)) ??
    (connection.local ? `own engine${options.dataDir ? ` on ${options.dataDir}` : ''}` : 'remote jobs');
  // A server can stop answering without closing the stream: the watchdog notices (state/watchdog.ts).
  const client = connection.local ? connection.client : watchedClient(connection.client);
  const view = tuiJobsView(client);
  // A closed terminal (an ssh drop, a killed tmux) shows up as SIGHUP and as
  // EIO on the next write. Neither may crash the process before the engine is
  // closed: the jobs would stay "running" in the store with nothing running them.
  let stopped: NodeJS.Signals | 'terminal gone' | undefined;
  let app: Instance | undefined;
  const stop = (why: NodeJS.Signals | 'terminal gone') => {
    stopped ??= why;
    app?.unmount();
  };
  const onTerminalError = () => stop('terminal gone');
  const onSignal = (signal: NodeJS.Signals) => stop(signal);
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGTERM'];
  // Left attached after return: a write still in flight may fail after we are done.
  io.stdout.on('error', onTerminalError);
  io.stdin.on('error', onTerminalError);
  // `on`, not `once`: when the terminal closes, SIGHUP comes again as the shell exits,
  // and a second one must not kill the process halfway through closing the engine.
  for (const signal of signals) process.on(signal, onSignal);

  // The mouse goes back to the terminal however the TUI ends, a crash too: a shell left
  // reporting it prints `[<0;12;5M` at every click. A TTY write is synchronous, so it is out
  // before the process is.
  const mouseOff = () => {
    try {
      io.stdout.write(MOUSE_OFF);
    } catch {
      // the terminal is gone: nothing to restore
    }
  };
  process.once('exit', mouseOff);

  let result: AppResult | undefined;
  let left: JobSnapshot[] = [];
  try {
    io.stdout.write(ENTER_ALT_SCREEN + MOUSE_ON);
    app = render(<App client={client} view={view} local={connection.local} where={where} />, {
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      exitOnCtrlC: false,
      // Events are batched to 10 a second by the view; keys should not draw faster either.
      maxFps: 10,
    });
    if (stopped) app.unmount();
    result = (await app.waitUntilExit()) as AppResult | undefined;
  } finally {
    // The view's list is up to 100 ms old: a job it still lists as active may have ended since.
    left = connection.local
      ? view.getSnapshot().active.filter((job) => stopsOnQuit(view.get(job.id) ?? job))
      : [];
    process.off('exit', mouseOff);
    if (stopped !== 'terminal gone') {
      io.stdout.write(MOUSE_OFF + LEAVE_ALT_SCREEN);
      if (left.length > 0)
        io.stdout.write(drainNotice(stopped ? `Stopping on ${stopped}` : 'Quitting', left));
    }
    view.close();
    // An own engine drains (up to its drainMs): the signal handlers stay until it has, so a
    // signal that comes again (a closing terminal sends SIGHUP twice) cannot kill it halfway.
    try {
      await connection.close();
    } finally {
      for (const signal of signals) process.off(signal, onSignal);
    }
  }
  if (stopped === 'terminal gone') return 1;
  if (stopped) return 128 + constants.signals[stopped];
  if (result && result.cancelled > 0 && left.length === 0) {
    io.stdout.write(
      `Cancelled ${result.cancelled} job${result.cancelled === 1 ? '' : 's'} before quitting.\n`,
    );
  }
  return 0;
}

/** A server's URL for the header: a `?token=` in it stays off the screen. */
/** A Redis URL as the header shows it: its password stays off the screen. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

function withoutQuery(url: string): string {
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.toString();
}
