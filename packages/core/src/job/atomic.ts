// The one way an output file is written: to `name.tmp-<id>` in the target
// folder, fsynced, then renamed, so a cancel, a crash or a kill never leaves a
// half-written file under the final name.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Told of each temporary file while it exists, so files of a terminated worker can be removed. */
export interface TempFileTracker {
  add(path: string): void;
  remove(path: string): void;
}

let tracker: TempFileTracker | undefined;

/** Called once by the worker thread: a worker killed mid-write cannot clean up after itself. */
export function trackTempFiles(next: TempFileTracker): void {
  tracker = next;
}

export function atomicTempPath(target: string): string {
  return join(dirname(target), `${basename(target)}.tmp-${randomBytes(6).toString('hex')}`);
}

export interface WriteFileAtomicOptions {
  /**
   * Make the file-system calls (mkdir, open, write, fsync, close, rename)
   * synchronously, on the calling thread; a writer function may still be
   * async. For an item in a worker thread that has nothing else to do
   * meanwhile: each awaited call is a round trip through libuv's thread pool
   * that waits twice for a thread to be scheduled, which on a busy machine is
   * most of its cost (image.scale: 5–7% of its throughput on a busy 2-core machine). Never on the main
   * thread, whose event loop serves everything else.
   */
  blocking?: boolean;
}

/**
 * Writes `target` atomically. `data` is the content, or a function that writes
 * the temporary file itself (for example sharp's `toFile`) and resolves when done.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | ((tempPath: string) => Promise<unknown>),
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  if (options.blocking) return writeFileAtomicBlocking(target, data);
  await mkdir(dirname(target), { recursive: true });
  const temp = atomicTempPath(target);
  tracker?.add(temp);
  try {
    if (typeof data === 'function') {
      await data(temp);
      const handle = await open(temp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    } else {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    tracker?.remove(temp);
  }
}

/** The same steps with synchronous calls (see `blocking`). */
async function writeFileAtomicBlocking(
  target: string,
  data: string | Uint8Array | ((tempPath: string) => Promise<unknown>),
): Promise<void> {
  mkdirSync(dirname(target), { recursive: true });
  const temp = atomicTempPath(target);
  tracker?.add(temp);
  try {
    if (typeof data === 'function') await data(temp);
    const fd = openSync(temp, typeof data === 'function' ? 'r+' : 'w');
    try {
      if (typeof data !== 'function') writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  } finally {
    tracker?.remove(temp);
  }
}
