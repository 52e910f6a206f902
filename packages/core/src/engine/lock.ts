// One engine per data directory: the store's event numbers and its crash
// recovery both assume a single writer. A lock file holds the owner's pid; a
// lock whose process is gone (killed, crashed) is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ThreadlineError } from '../protocol/errors.js';

export class DataDirBusyError extends ThreadlineError {
  override readonly code = 'DATA_DIR_BUSY';
  override name = 'DataDirBusyError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function lockDataDir(dataDir: string): () => void {
  const file = join(dataDir, 'engine.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && alive(owner)) {
        throw new DataDirBusyError(
          `the data directory ${dataDir} is in use by another Threadline engine (pid ${owner}); ` +
            'attach to it with --server URL, or use another --data-dir',
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new DataDirBusyError(`could not lock the data directory ${dataDir}`);
}
