import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The data directory: the given one, else THREADLINE_DATA_DIR, else the platform's per-user data folder. */
export function resolveDataDir(given?: string): string {
  if (given) return resolve(given);
  if (process.env.THREADLINE_DATA_DIR) return resolve(process.env.THREADLINE_DATA_DIR);
  const home = homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'threadline');
  if (process.platform === 'win32')
    return join(process.env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'threadline');
  return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'threadline');
}
