// Renames a file without ever replacing another. rename(2) silently replaces
// an existing target, so two photos taken in the same second, renamed by two
// workers at once, would lose one; link(2) fails with EEXIST instead, atomically.
// Every call goes through the file's folder opened without following a symlink
// (confined.ts): a folder swapped for a link since the job started is refused.
import { constants } from 'node:fs';
import { copyFile, link, open, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { atomicTempPath } from '@threadline/core/job';
import { reopenPath, withFolderNoFollow } from './confined.js';

/**
 * Moves `from` (a real path) to `<its folder>/<base><ext>`, or `<base>-2<ext>`, `-3`… when taken.
 * Returns the new path, or `from` itself when it already has one of those names.
 */
export async function renameExclusive(from: string, base: string, ext: string): Promise<string> {
  const dir = dirname(from);
  const name = basename(from);
  return withFolderNoFollow(dir, async (folder) => {
    for (let n = 1; n <= 1000; n++) {
      const candidate = `${base}${n === 1 ? '' : `-${n}`}${ext}`;
      // Already named so (by an earlier run): renaming again would only add a suffix.
      if (candidate === name) return from;
      try {
        await createExclusive(folder, name, candidate, join(dir, candidate));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      await unlink(`${folder}/${name}`);
      return join(dir, candidate);
    }
    throw new Error(`no free name like ${base}${ext} in ${dir}`);
  });
}

/** `name` also as `candidate` in `folder` (a confined folder's path); `real`: where that is. */
async function createExclusive(folder: string, name: string, candidate: string, real: string): Promise<void> {
  const to = `${folder}/${candidate}`;
  try {
    await link(`${folder}/${name}`, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    // Filesystems without hard links (FAT, some network mounts): claim the name with an
    // exclusive create, then replace only our own claim with a complete copy.
    await (await open(to, 'wx')).close();
    // Named by its real path, so the temp-file journal can remove it after a kill.
    const temp = `${folder}/${basename(atomicTempPath(real))}`;
    const source = await open(`${folder}/${name}`, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      await copyFile(reopenPath(source.fd, `${folder}/${name}`), temp);
      await rename(temp, to);
    } catch (copyError) {
      await rm(temp, { force: true });
      await rm(to, { force: true });
      throw copyError;
    } finally {
      await source.close();
    }
  }
}

/** Splits `IMG_1234.JPG` into `IMG_1234` and `.JPG`. */
export function splitName(path: string): { name: string; ext: string } {
  const file = basename(path);
  const ext = extname(file);
  return { name: ext ? file.slice(0, -ext.length) : file, ext };
}
