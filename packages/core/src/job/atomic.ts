// The one way an output file is written: to `name.tmp-<id>` in the target
// folder, fsynced, then renamed, so a cancel, a crash or a kill never leaves a
// half-written file under the final name.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

/** Told of each temporary file while it exists, so files of a terminated worker can be removed. */
export interface TempFileTracker {
  /** Starts every temporary name (hex), so that only its owner's are ever cleaned up. */
  owner?: string;
  /** Told before the file exists. */
  add(path: string): void;
  remove(path: string): void;
}

let tracker: TempFileTracker | undefined;

/** Called once by the worker thread: a worker killed mid-write cannot clean up after itself. */
export function trackTempFiles(next: TempFileTracker): void {
  tracker = next;
}

/**
 * A temporary name beside `target`, for a write renamed over it when whole. In a worker it is
 * tracked until it is gone, so a worker or a process killed mid-write leaves nothing behind.
 */
export function atomicTempPath(target: string): string {
  const id = `${tracker?.owner ?? ''}${randomBytes(6).toString('hex')}`;
  const temp = join(dirname(target), `${basename(target)}.tmp-${id}`);
  tracker?.add(temp);
  return temp;
}

export interface WriteFileAtomicOptions {
  /**
   * Make the file-system calls (mkdir, open, write, fsync, close, rename)
   * synchronously, on the calling thread; a writer function may still be
   * async. For an item in a worker thread that has nothing else to do
   * meanwhile: each awaited call is a round trip through libuv's thread pool
   * that waits twice for a thread to be scheduled, which on a busy machine is
   * most of its cost (image.scale: 5–7% of its throughput on a busy 2-core
   * machine). Never on the main thread, whose event loop serves everything else.
   */
  blocking?: boolean;
}

/** The calls one write makes; awaiting a synchronous one costs a microtask, not a thread-pool round trip. */
interface FileCalls {
  mkdir(dir: string): unknown;
  open(path: string, flags: string): number | Promise<number>;
  write(fd: number, data: string | Uint8Array): unknown;
  fsync(fd: number): unknown;
  close(fd: number): unknown;
  rename(from: string, to: string): unknown;
  remove(path: string): unknown;
}

const asyncCalls: FileCalls = {
  mkdir: (dir) => mkdir(dir, { recursive: true }),
  open: promisify(fs.open),
  write: promisify(fs.writeFile),
  fsync: promisify(fs.fsync),
  close: promisify(fs.close),
  rename,
  remove: (path) => rm(path, { force: true }),
};

const blockingCalls: FileCalls = {
  mkdir: (dir) => fs.mkdirSync(dir, { recursive: true }),
  open: fs.openSync,
  write: fs.writeFileSync,
  fsync: fs.fsyncSync,
  close: fs.closeSync,
  rename: fs.renameSync,
  remove: (path) => fs.rmSync(path, { force: true }),
};

/**
 * Writes `target` atomically. `data` is the content, or a function that writes
 * the temporary file itself (for example sharp's `toFile`) and resolves when done.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | ((tempPath: string) => Promise<unknown>),
  options: WriteFileAtomicOptions = {},
): Promise<void> {
  const calls = options.blocking ? blockingCalls : asyncCalls;
  await calls.mkdir(dirname(target));
  const temp = atomicTempPath(target);
  try {
    if (typeof data === 'function') await data(temp);
    const fd = await calls.open(temp, typeof data === 'function' ? 'r+' : 'w');
    try {
      if (typeof data !== 'function') await calls.write(fd, data);
      await calls.fsync(fd);
    } finally {
      await calls.close(fd);
    }
    await calls.rename(temp, target);
  } catch (error) {
    await calls.remove(temp);
    throw error;
  } finally {
    tracker?.remove(temp);
  }
}
