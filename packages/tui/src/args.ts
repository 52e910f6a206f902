// `threadline tui` options. Kept free of heavy imports: `threadline --help`
// loads this module without starting anything.
import { parseArgs } from 'node:util';

export const USAGE = `Usage: threadline tui [options]

Watch and steer jobs in the terminal: a live list with progress bars, rate and
ETA; keys to start, cancel and inspect jobs, and to pause or remove schedules.

Without --server (or the config's server) it runs its own engine on the data
directory, with the project config's jobs; quitting asks first when jobs are
running, and cancels them. Stopped by a signal, it lets running items finish
(the config's drainMs) and leaves the rest interrupted, for r to resume.

Options:
  --server <url>    attach to a running \`threadline serve\` instead
  --token <token>   token for the server, when it requires one
  --data-dir <dir>  data directory of the embedded engine (default
                    THREADLINE_DATA_DIR, the config's dataDir, or the user data folder)
  -h, --help        show this help

Keys: n start · c cancel · f force · r resume · enter details · / filter · q quit
      s schedules (there: p pause/resume · x remove · esc back) · ? every key
Mouse: a click selects a row, the wheel scrolls. NO_COLOR=1 turns colour off.
Without a terminal, use \`threadline run <job>\` instead.
`;

export interface TuiOptions {
  help: boolean;
  server?: string;
  token?: string;
  dataDir?: string;
}

/** Parses argv (without "tui"); a bad option is a usage error, reported as `message`. */
export function parseTuiArgs(
  argv: string[],
): { ok: true; options: TuiOptions } | { ok: false; message: string } {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'data-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (positionals.length > 0) {
      return { ok: false, message: `unexpected argument "${positionals[0]}" (see threadline tui --help)` };
    }
    if (values.server !== undefined && values['data-dir'] !== undefined) {
      return { ok: false, message: '--server and --data-dir cannot be used together' };
    }
    if (values.server !== undefined && !URL.canParse(values.server)) {
      return {
        ok: false,
        message: `--server needs a URL, like http://127.0.0.1:7420 (got "${values.server}")`,
      };
    }
    return {
      ok: true,
      options: {
        help: values.help ?? false,
        ...(values.server !== undefined ? { server: values.server } : {}),
        ...(values.token !== undefined ? { token: values.token } : {}),
        ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}),
      },
    };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `${text.split('\n')[0]} (see threadline tui --help)` };
  }
}
