// A subscriber's view of a deployment's event stream: replay after a cursor,
// then follow live, over one blocking connection of its own. Stream ids are
// `<seq>-0`, so `after: n` is simply XREAD from `n-0`: no gap, no repeat,
// across disconnects and across a Redis restart (with appendonly). Streams are
// capped (retention.maxJobEvents, maxEvents): a job's reader whose cursor was
// trimmed away gets the job's snapshot first, then what the stream still has.
import type { EventsOptions, JobEvent } from '@threadline/core';
import type { RedisClient } from '../connection.js';
import type { RedisStore } from '../store/store.js';
import { parseEvent } from '../store/store.js';

const PAGE = 500;
/** A blocking read wakes this often even when nothing happens, to notice an abort. */
const BLOCK_MS = 5000;

type StreamReply = [string, [string, string[]][]][] | null;

/**
 * The seq just before the stream's first kept entry when entries were trimmed from it (XINFO
 * STREAM, Redis 7: more entries added than it holds), 0 when none were or there is no stream.
 * Trimming leaves `max-deleted-entry-id` alone; what went is what came before the first kept.
 */
async function trimmedThrough(reader: RedisClient, stream: string): Promise<number> {
  let info: unknown[];
  try {
    info = (await reader.xinfo('STREAM', stream)) as unknown[];
  } catch {
    return 0;
  }
  const field = (name: string) => info[info.indexOf(name) + 1];
  if (Number(field('entries-added')) <= Number(field('length'))) return 0;
  const first = String(field('recorded-first-entry-id') ?? '0-0');
  return Math.max(0, (Number(first.slice(0, first.indexOf('-'))) || 0) - 1);
}

/**
 * What a job's reader gets in place of the events trimmed after its cursor: the job as it is
 * now, in a `queued` event (the protocol's one event that carries a whole snapshot, which
 * core's reducer merges forward), numbered just before the first event kept.
 */
async function snapshotEvent(store: RedisStore, jobId: string, seq: number): Promise<JobEvent | undefined> {
  const job = await store.get(jobId);
  return job ? { type: 'queued', jobId, seq, at: Date.now(), job } : undefined;
}

export async function* followEvents(
  store: RedisStore,
  openReader: () => RedisClient,
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
  // A replay may start, or a reader this far behind may fall, before what the cap kept.
  let mayBeTrimmed = options.after !== undefined;
  try {
    while (!signal?.aborted && !ended()) {
      if (mayBeTrimmed) {
        mayBeTrimmed = false;
        const trimmed = await trimmedThrough(reader, stream);
        if (trimmed > cursor) {
          const snapshot = jobId !== undefined ? await snapshotEvent(store, jobId, trimmed) : undefined;
          cursor = trimmed;
          if (snapshot) yield snapshot;
        }
      }
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
        if (entries.length >= PAGE) mayBeTrimmed = true;
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
