// SHA-256 of a file, streamed in large chunks so memory stays flat whatever
// the file's size, reporting bytes as they are read.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

const CHUNK = 1 << 20;

export async function sha256File(
  path: string,
  { signal, onBytes }: { signal?: AbortSignal; onBytes?: (bytes: number) => void } = {},
): Promise<string> {
  const hash = createHash('sha256');
  const stream = createReadStream(path, { highWaterMark: CHUNK, ...(signal ? { signal } : {}) });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    onBytes?.((chunk as Buffer).length);
  }
  return hash.digest('hex');
}
