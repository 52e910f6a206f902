// writeFileAtomic's way (a temporary file beside the target, fsynced, then
// renamed), synchronously: for a job's summarize, which the engine calls
// synchronously and does not await, so an output written there must be
// complete under its name before summarize returns. Keep such outputs small;
// the engine's thread waits for the disk meanwhile.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { atomicTempPath } from '@threadline/core/job';

/** Writes `target` atomically from `chunks` (joined), without a round trip through the event loop. */
export function writeFileAtomicSync(target: string, chunks: Iterable<string>): void {
  mkdirSync(dirname(target), { recursive: true });
  const temp = atomicTempPath(target);
  try {
    const fd = openSync(temp, 'w');
    try {
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
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
