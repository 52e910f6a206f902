// A subscriber's view of a deployment's event stream: replay after a cursor,
// then follow live, over one blocking connection of its own. Stream ids are
// `<seq>-0`, so `after: n` is simply XREAD from `n-0`: no gap, no repeat,
// across disconnects and across a Redis restart (with appendonly).
import type { EventsOptions, JobEvent } from '@threadline/core';
import type { Redis } from 'ioredis';
import type { RedisStore } from '../store/store.js';
import { parseEvent } from '../store/store.js';

const PAGE = 500;
/** A blocking read wakes this often even when nothing happens, to notice an abort. */
const BLOCK_MS = 5000;

type StreamReply = [string, [string, string[]][]][] | null;

export async function* followEvents(
  store: RedisStore,
  openReader: () => Redis,
  options: EventsOptions,
): AsyncGenerator<JobEvent> {
  const { jobId, signal } = options;
  const stream = jobId !== undefined ? store.keys.jobEvents(jobId) : store.keys.events;
  let cursor = options.after ?? (await store.lastSeq());
  const reader = openReader();
  // Disconnecting rejects the pending blocking read, so an abort ends the loop at once.
  const onAbort = () => reader.disconnect();
  const ended = () => (reader.status as string) === 'end';
  signal?.addEventListener('abort', onAbort);
  try {
    while (!signal?.aborted && !ended()) {
      let reply: StreamReply;
      try {
        reply = (await reader.xread(
          'COUNT',
          PAGE,
          'BLOCK',
          BLOCK_MS,
          'STREAMS',
          stream,
          `${cursor}-0`,
        )) as StreamReply;
      } catch (error) {
        if (signal?.aborted || ended()) return;
        throw error;
      }
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          const seq = Number(id.slice(0, id.indexOf('-')));
          if (seq <= cursor) continue;
          cursor = seq;
          const json = fields[fields.indexOf('e') + 1];
          if (json !== undefined) yield parseEvent(json);
        }
      }
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    reader.disconnect();
  }
}
