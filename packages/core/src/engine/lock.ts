// Single-owner locks. One engine per data directory (the store's event numbers
// and its crash recovery assume a single writer): a lock the kernel holds for
// the owner and drops when it dies. A pid lock, for resources on shares where
// file locks cannot be trusted (a watched folder), checks the owner's pid.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
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

/**
 * Takes `file` as a lock the kernel holds: an exclusive SQLite lock (fcntl) on it, kept by an open
 * connection. It goes when the process goes, however it goes: no pid is checked, so neither a
 * killed engine's zombie nor a recycled pid can keep it or steal it (a pid lock did both: two
 * engines took a stale one at once in 6 of 12 trials). `info` names the owner, for messages.
 */
export function takeKernelLock(file: string, info: string, busy: (owner: string) => Error): () => void {
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('journal_mode = DELETE');
    db.pragma('locking_mode = EXCLUSIVE');
    // In exclusive locking mode the first write's lock is held until the connection closes.
    db.exec('BEGIN EXCLUSIVE; COMMIT;');
  } catch (error) {
    db.close();
    const code = (error as { code?: string }).code;
    if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') throw busy(readOwner(info));
    throw error;
  }
  writeFileSync(info, `pid ${process.pid}`);
  return () => {
    rmSync(info, { force: true });
    // The lock file itself stays: were it unlinked, a second opener could lock a new file at the same path.
    db.close();
  };
}

function readOwner(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function lockDataDir(dataDir: string): () => void {
  return takeKernelLock(
    join(dataDir, 'engine.lock.db'),
    join(dataDir, 'engine.owner'),
    (owner) =>
      new DataDirBusyError(
        `the data directory ${dataDir} is in use by another Threadline engine (${owner}); ` +
          'commands on it attach to that engine by themselves, or use another --data-dir',
      ),
  );
}
