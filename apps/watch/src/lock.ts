// One watcher per folder: two would claim the same files and race on the
// journal. A lock file holds the owner's pid; a lock whose process is gone
// (killed, crashed) is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { ValidationError } from '@threadline/core';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the lock file or throws; returns the function that releases it. */
export function lockFolder(file: string, folder: string): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8'));
      if (owner && owner !== process.pid && alive(owner)) {
        throw new ValidationError(`${folder} is already being watched (pid ${owner})`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new ValidationError(`could not lock ${folder} for watching`);
}
