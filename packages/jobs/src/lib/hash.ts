// SHA-256 of a file, streamed in large chunks so memory stays flat whatever
// the file's size, reporting bytes as they are read. The file is opened by
// its real path and checked to be that file (confined.ts) before a byte is read.
import { createHash } from 'node:crypto';
import { openFileConfined } from './confined.js';

const CHUNK = 1 << 20;

/** `path` is a real path (the walk's `real`): a file reached through a swapped-in symlink is refused. */
export async function sha256File(
  path: string,
  { signal, onBytes }: { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {},
): Promise<string> {
  const handle = await openFileConfined(path);
  const hash = createHash('sha256');
  const stream = handle.createReadStream({ highWaterMark: CHUNK, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return hash.digest('hex');
}
