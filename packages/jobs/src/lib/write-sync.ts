// writeFileAtomic's way (a temporary file beside the target, fsynced, then
// renamed), synchronously: for a job's summarize, which the engine calls
// synchronously and does not await, so an output written there must be
// complete under its name before summarize returns. Keep such outputs small;
// the engine's thread waits for the disk meanwhile.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { atomicTempPath } from '@threadline/core/job';
import { writeFileConfinedSync } from './confined.js';

/**
 * Writes `target` atomically from `chunks` (joined), without a round trip through the event loop.
 * With `noFollow`, `target` is a real location (see realLocation) and its folder is opened without
 * following any symlink: one swapped in since the job started is refused, not written through.
 */
export function writeFileAtomicSync(
  target: string,
  chunks: Iterable<string>,
  { noFollow = false }: { noFollow?: boolean } = {},
): void {
  const temp = atomicTempPath(target);
  if (noFollow) {
    writeFileConfinedSync(target, temp, (fd) => writeChunks(fd, chunks));
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  try {
    const fd = openSync(temp, 'w');
    try {
      writeChunks(fd, chunks);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

function writeChunks(fd: number, chunks: Iterable<string>): void {
  const flush = (text: string) => {
    const bytes = Buffer.from(text, 'utf8');
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
  };
  let pending = '';
  for (const chunk of chunks) {
    pending += chunk;
    if (pending.length >= 1 << 20) {
      flush(pending);
      pending = '';
    }
  }
  flush(pending);
  fsyncSync(fd);
}
