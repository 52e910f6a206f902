// One watcher per folder: two would claim the same files and race on the journal.
import { ValidationError } from '@threadline/core';
import { takePidLock } from '@threadline/core/internal';

/** Takes the lock file or throws; returns the function that releases it. */
export function lockFolder(file: string, folder: string): () => void {
  return takePidLock(file, (owner) =>
    owner
      ? new ValidationError(`${folder} is already being watched (pid ${owner})`)
      : new ValidationError(`could not lock ${folder} for watching`),
  );
}
