// Single-owner lock files. One engine per data directory (the store's event
// numbers and its crash recovery assume a single writer); apps use the same
// lock for their own resources (a watched folder). The file holds the owner's
// pid; a lock whose process is gone (killed, crashed) is taken over.
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

/** Takes the lock file, or throws what `busy` makes of a live owner; returns the release function. */
export function takePidLock(file: string, busy: (owner: number) => Error): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && alive(owner)) throw busy(owner);
      rmSync(file, { force: true });
    }
  }
  throw busy(0);
}

export function lockDataDir(dataDir: string): () => void {
  return takePidLock(
    join(dataDir, 'engine.lock'),
    (owner) =>
      new DataDirBusyError(
        `the data directory ${dataDir} is in use by another Threadline engine (pid ${owner}); ` +
          'attach to it with --server URL, or use another --data-dir',
      ),
  );
}
