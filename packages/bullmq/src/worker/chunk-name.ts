// What BullMQ's tools (bull-board, Taskforce.sh) show as a chunk's name: the
// Threadline job it belongs to and which of its items it carries, counted
// from 1 as the CLI and the page count them. Its id is `<job id>-<first index>`.
import type { ChunkData } from './chunks.js';

export function chunkName(jobName: string, chunk: Pick<ChunkData, 'start' | 'items'>): string {
  const first = chunk.start + 1;
  const last = chunk.start + chunk.items.length;
  return `${jobName} · ${first === last ? `item ${first}` : `items ${first}–${last}`}`;
}
