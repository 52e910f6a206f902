// What a failing store means to the person running Threadline: SQLite's and
// the file system's codes turned into one line that says which fault it is
// and what to do about it.
import { StorageError } from '../protocol/errors.js';

const READ_ONLY = [
  'SQLITE_READONLY',
  'SQLITE_CANTOPEN',
  'SQLITE_PERM',
  'SQLITE_AUTH',
  'EROFS',
  'EACCES',
  'EPERM',
];
const FULL = ['SQLITE_FULL', 'ENOSPC', 'EDQUOT'];
const CORRUPT = ['SQLITE_CORRUPT', 'SQLITE_NOTADB'];

/** The storage fault `error` is, or undefined when it is something else (a bug). */
export function storageFault(error: unknown, dataDir: string): StorageError | undefined {
  const code = String((error as { code?: unknown })?.code ?? '');
  const is = (codes: string[]) => codes.some((c) => code === c || code.startsWith(`${c}_`));
  if (is(FULL))
    return new StorageError(
      `the disk holding ${dataDir} is full: free some space, or use another --data-dir`,
      'full',
    );
  if (is(CORRUPT))
    return new StorageError(
      `the store in ${dataDir} is corrupt (threadline.db is not a readable SQLite database): move it aside to start a new history, or restore it from a backup`,
      'corrupt',
    );
  if (is(READ_ONLY))
    return new StorageError(
      `the data directory ${dataDir} cannot be written (read-only, or no permission): make it writable, or use another --data-dir`,
      'read-only',
    );
  if (code.startsWith('SQLITE_IOERR') || code === 'EIO')
    return new StorageError(
      `the store in ${dataDir} cannot be read or written (I/O error: ${code})`,
      'unavailable',
    );
  return undefined;
}

/** Runs `open`, turning a storage fault into its StorageError. */
export function openingStore<T>(dataDir: string, open: () => T): T {
  try {
    return open();
  } catch (error) {
    throw storageFault(error, dataDir) ?? error;
  }
}
