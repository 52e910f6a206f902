// Starts the TUI on a terminal: connects, draws on the alternate screen (the
// shell's screen comes back intact on exit), waits for quit, and closes the
// connection, which stops an own engine with nothing left running.
import type { Connect } from '@threadline/core';
import { render } from 'ink';
import type { TuiOptions } from './args.js';
import { JobsStore } from './state/jobs-store.js';
import { App, type AppResult } from './ui/App.js';

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
    ...(options.token !== undefined ? { token: options.token } : {}),
    ...(options.dataDir !== undefined ? { dataDir: options.dataDir } : {}),
  });
  const where =
    options.server ??
    (connection.local ? `own engine${options.dataDir ? ` on ${options.dataDir}` : ''}` : 'remote jobs');
  const store = new JobsStore({ intervalMs: 100 });
  io.stdout.write(ENTER_ALT_SCREEN);
  const app = render(
    <App client={connection.client} store={store} local={connection.local} where={where} />,
    {
      stdin: io.stdin,
      stdout: io.stdout,
      stderr: io.stderr,
      exitOnCtrlC: false,
      // Events are batched to 10 a second by the store; keys should not draw faster either.
      maxFps: 10,
    },
  );
  // A closed terminal or a kill: leave as quitting would, minus the question.
  const onSignal = () => app.unmount();
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGTERM'];
  for (const signal of signals) process.once(signal, onSignal);
  let result: AppResult | undefined;
  try {
    result = (await app.waitUntilExit()) as AppResult | undefined;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
    io.stdout.write(LEAVE_ALT_SCREEN);
    store.close();
    await connection.close();
  }
  if (result && result.cancelled > 0) {
    io.stdout.write(
      `Cancelled ${result.cancelled} job${result.cancelled === 1 ? '' : 's'} before quitting.\n`,
    );
  }
  return 0;
}
