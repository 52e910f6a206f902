// Opening what a job was given, and nothing else. A job's root is resolved to
// its real path once, when its items are listed; from then on every folder it
// lists and every file it reads is opened by the real path the walk found
// there, and the kernel is asked what it actually opened
// (readlink /proc/self/fd/<n>). A folder swapped for a symlink after the walk
// (to /etc, to another user's home) makes that answer differ, and the open is
// refused before a byte is read. Reads use O_NOFOLLOW and O_NONBLOCK, so a
// swapped-in link or FIFO neither is followed at the last step nor blocks.
// Folder contents are read through the open descriptor (/proc/self/fd/<n>),
// so what is listed is the folder that was checked, not what the path names
// a moment later. Writes (an index, a manifest, a scaled image) and changes in
// place (a photo's mtime, its rename) open their folder one component at a
// time with O_NOFOLLOW from `/`, so no link anywhere on the way is followed.
//
// Without /proc (not Linux) the same calls check realpath() before opening:
// a swap between that check and the open is then not caught.
import {
  closeSync,
  constants,
  fstatSync,
  mkdirSync,
  openSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { type FileHandle, open, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY, O_WRONLY, O_CREAT, O_EXCL } = constants;
const PROC_FD = '/proc/self/fd';
// Linux's O_PATH (Node does not export it): a folder on the way is opened to look up its child,
// which needs only search permission (a home folder of mode 711), not read permission.
const O_PATH = 0o10000000;

let procFd: boolean | undefined;
/** True where /proc/self/fd tells what a descriptor opened (Linux). */
function hasProcFd(): boolean {
  if (procFd === undefined) {
    const fd = openSync(sep, O_RDONLY | O_DIRECTORY);
    try {
      procFd = readlinkSync(`${PROC_FD}/${fd}`) === sep;
    } catch {
      procFd = false;
    } finally {
      closeSync(fd);
    }
  }
  return procFd;
}

/** A path that is no longer what the job was given: refused, with nothing read or written through it. */
export class PathChangedError extends Error {
  readonly code = 'PATH_CHANGED';
  constructor(path: string, now: string | undefined) {
    super(
      `${path} is no longer where it was when the job started${now ? ` (it now leads to ${now})` : ''}: a folder on the way was replaced by a symlink? Not followed`,
    );
  }
}

const fdPath = (fd: number) => `${PROC_FD}/${fd}`;

async function checkOpened(fd: number, expected: string): Promise<void> {
  if (hasProcFd()) {
    const opened = await readlink(fdPath(fd));
    if (opened !== expected) throw new PathChangedError(expected, opened);
  }
}

async function checkBefore(expected: string): Promise<void> {
  if (hasProcFd()) return;
  const now = await realpath(expected).catch(() => undefined);
  if (now !== undefined && now !== expected) throw new PathChangedError(expected, now);
}

function checkOpenedSync(fd: number, expected: string): void {
  if (!hasProcFd()) {
    const now = realpathSyncOrUndefined(expected);
    if (now !== undefined && now !== expected) throw new PathChangedError(expected, now);
    return;
  }
  const opened = readlinkSync(fdPath(fd));
  if (opened !== expected) throw new PathChangedError(expected, opened);
}

/**
 * Opens the regular file at `expected` (a real path: no symlink on the way) for reading, refusing
 * it when what opens is anything else. The caller closes the handle.
 */
export async function openFileConfined(expected: string): Promise<FileHandle> {
  await checkBefore(expected);
  const handle = await open(expected, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    await checkOpened(handle.fd, expected);
    const stats = await handle.stat();
    if (!stats.isFile()) throw new PathChangedError(expected, 'something that is not a file');
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * openFileConfined's checks with synchronous calls, for a worker thread that has nothing else to
 * do meanwhile (image.scale: each awaited call is a round trip through libuv's thread pool).
 * Returns the descriptor; the caller closes it.
 */
export function openFileConfinedSync(expected: string): number {
  const fd = openSync(expected, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  try {
    checkOpenedSync(fd, expected);
    if (!fstatSync(fd).isFile()) throw new PathChangedError(expected, 'something that is not a file');
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * A path through which a file opened by openFileConfined(Sync) can be opened again (by libvips,
 * say) as the same file, whatever its path names now; `fallback` where there is no /proc.
 */
export const reopenPath = (fd: number, fallback: string): string => (hasProcFd() ? fdPath(fd) : fallback);

/**
 * Runs `use` with a path that names the folder at `expected` (a real path) as it was opened and
 * checked: on Linux `/proc/self/fd/<n>`, so reading it, or `<it>/<name>`, cannot be sent elsewhere.
 */
export async function withFolderConfined<T>(
  expected: string,
  use: (folder: string) => Promise<T>,
): Promise<T> {
  await checkBefore(expected);
  const handle = await open(expected, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_DIRECTORY);
  try {
    await checkOpened(handle.fd, expected);
    return await use(hasProcFd() ? fdPath(handle.fd) : expected);
  } finally {
    await handle.close();
  }
}

/**
 * Opens the folder `dir` (absolute, no `..`) one component at a time from `/`, never following a
 * symlink, creating the components that are missing when `create`; returns its descriptor. Throws
 * PathChangedError when a component is a symlink (or not a folder), ENOENT when one is missing.
 */
function openFolderNoFollow(dir: string, create: boolean): number {
  const parts = dir.split(sep).filter(Boolean);
  const flags = O_PATH | O_DIRECTORY | O_NOFOLLOW;
  let fd = openSync(sep, O_PATH | O_DIRECTORY);
  try {
    for (let i = 0; i < parts.length; i++) {
      const at = `${fdPath(fd)}/${parts[i]}`;
      let next: number;
      try {
        next = openSync(at, flags);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && create) {
          mkdirSync(at);
          next = openSync(at, flags);
        } else if (code === 'ELOOP' || code === 'ENOTDIR') {
          throw new PathChangedError(`${sep}${parts.slice(0, i + 1).join(sep)}`, undefined);
        } else throw error;
      }
      closeSync(fd);
      fd = next;
    }
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Writes `target` (a real location: its folder's real path, or where it will be) atomically, as
 * writeFileAtomicSync does, through its folder opened without following any symlink: a folder
 * swapped for a link since the job started is refused, not written through. Synchronous, for
 * summarize.
 */
export function writeFileConfinedSync(target: string, temp: string, write: (fd: number) => void): void {
  withFolderNoFollowSync(dirname(target), (folder) => writeThrough(folder, target, temp, write), {
    create: true,
  });
}

/**
 * Runs `use` with a path naming the folder `dir` (a real path) as opened one component at a time
 * without following any symlink (`/proc/self/fd/<n>`): what `use` does in `<it>/<name>` happens
 * in that folder, not wherever a link swapped in on the way leads. Without /proc, `dir` once its
 * realpath is checked. `create`: make the folders that are missing.
 */
export function withFolderNoFollowSync<T>(
  dir: string,
  use: (folder: string) => T,
  { create = false }: { create?: boolean } = {},
): T {
  if (!hasProcFd()) {
    if (create) mkdirSync(dir, { recursive: true });
    const real = realpathSyncOrUndefined(dir);
    if (real !== undefined && real !== dir) throw new PathChangedError(dir, real);
    return use(dir);
  }
  const dirFd = openFolderNoFollow(dir, create);
  try {
    return use(fdPath(dirFd));
  } finally {
    closeSync(dirFd);
  }
}

/** withFolderNoFollowSync for an asynchronous `use`: the folder stays open until it settles. */
export async function withFolderNoFollow<T>(dir: string, use: (folder: string) => Promise<T>): Promise<T> {
  if (!hasProcFd()) return withFolderNoFollowSync(dir, use);
  const dirFd = openFolderNoFollow(dir, false);
  try {
    return await use(fdPath(dirFd));
  } finally {
    closeSync(dirFd);
  }
}

function writeThrough(folder: string, target: string, temp: string, write: (fd: number) => void): void {
  const tempAt = `${folder}/${basename(temp)}`;
  // 0o666 less the umask, as writeFileAtomic's files get.
  const fd = openSync(tempAt, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o666);
  try {
    try {
      write(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tempAt, `${folder}/${basename(target)}`);
  } catch (error) {
    rmSync(tempAt, { force: true });
    throw error;
  }
}

function realpathSyncOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * The real location of `path`, which may not exist yet: the realpath of its deepest existing
 * ancestor, plus the rest (as the web guard's realLocation).
 */
export async function realLocation(path: string): Promise<string> {
  const rest: string[] = [];
  let current = path;
  for (;;) {
    try {
      const real = await realpath(current);
      return rest.length ? join(real, ...rest.reverse()) : real;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) throw error;
      rest.push(basename(current));
      current = parent;
    }
  }
}

/**
 * What a job resolved when its items were listed (its root's and outputs' real locations), for
 * its summarize: the engine hands both the same input object. Absent where summarize runs in
 * another process than the listing (a BullMQ worker): the caller resolves again then.
 */
export function startedPaths<T extends object>() {
  const byInput = new WeakMap<object, T>();
  return {
    set: (input: object, paths: T) => void byInput.set(input, paths),
    get: (input: object): T | undefined => byInput.get(input),
  };
}
