// Renames a file without ever replacing another. rename(2) silently replaces
// an existing target, so two photos taken in the same second, renamed by two
// workers at once, would lose one; link(2) fails with EEXIST instead, atomically.
import { copyFile, link, open, rename, rm, unlink } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { atomicTempPath } from '@threadline/core/job';

/**
 * Moves `from` to `dir/<base><ext>`, or `<base>-2<ext>`, `-3`… when taken.
 * Returns the new path, or `from` itself when it already has one of those names.
 */
export async function renameExclusive(from: string, base: string, ext: string): Promise<string> {
  const dir = dirname(from);
  for (let n = 1; n <= 1000; n++) {
    const candidate = join(dir, `${base}${n === 1 ? '' : `-${n}`}${ext}`);
    // Already named so (by an earlier run): renaming again would only add a suffix.
    if (candidate === from) return from;
    try {
      await createExclusive(from, candidate);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    await unlink(from);
    return candidate;
  }
  throw new Error(`no free name like ${base}${ext} in ${dir}`);
}

async function createExclusive(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    // Filesystems without hard links (FAT, some network mounts): claim the name with an
    // exclusive create, then replace only our own claim with a complete copy.
    await (await open(to, 'wx')).close();
    const temp = atomicTempPath(to);
    try {
      await copyFile(from, temp);
      await rename(temp, to);
    } catch (copyError) {
      await rm(temp, { force: true });
      await rm(to, { force: true });
      throw copyError;
    }
  }
}

/** Splits `IMG_1234.JPG` into `IMG_1234` and `.JPG`. */
export function splitName(path: string): { name: string; ext: string } {
  const file = basename(path);
  const ext = extname(file);
  return { name: ext ? file.slice(0, -ext.length) : file, ext };
}
