// The event stream's SSE writer on a real HTTP server over the in-process
// engine: one subscription for every connection, resumption while events keep
// coming, and the keep-alive pings tRPC's client counts on.
import { request } from 'node:http';
import type { JobEvent } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { collect, onCleanup, openEngine, serveRouter } from './helpers.js';

interface Message {
  event?: string;
  id?: string;
  data?: string;
}

/** Reads SSE messages from `url` until `until` matches one (which is included), or fails after `timeoutMs`. */
async function readUntil(
  url: string,
  until: (message: Message) => boolean,
  options: { headers?: Record<string, string>; onOpen?: () => void; timeoutMs?: number } = {},
): Promise<Message[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 20_000);
  onCleanup(() => controller.abort());
  const got: Message[] = [];
  try {
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', ...options.headers },
      signal: controller.signal,
    });
    if (!response.ok || !response.body) throw new Error(`SSE request failed: ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2).replace(/^\n+/, '');
        const message: Message = {};
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon);
          if (field === 'event' || field === 'id' || field === 'data') message[field] = line.slice(colon + 2);
        }
        got.push(message);
        if (message.event === 'connected') options.onOpen?.();
        if (until(message)) return got;
      }
    }
    throw new Error('stream ended');
  } catch (error) {
    throw new Error(`${(error as Error).message}; saw ${got.length} messages`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}

const eventsUrl = (base: string, input: object) =>
  `${base}/jobs.events?input=${encodeURIComponent(JSON.stringify(input))}`;
const jobEvents = (messages: Message[]) =>
  messages.filter((m) => m.event === undefined && m.data).map((m) => JSON.parse(m.data!) as JobEvent);
/**
 * What a reader that fell behind must get: every event but progress samples, in order, and of
 * those only ones the store has (it is given the latest sample, not each one it missed).
 */
function expectCaughtUp(got: JobEvent[], stored: JobEvent[]) {
  const seqs = got.map((e) => e.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(new Set(seqs).size).toBe(seqs.length);
  const notProgress = (events: JobEvent[]) => events.filter((e) => e.type !== 'progress').map((e) => e.seq);
  expect(notProgress(got)).toEqual(notProgress(stored));
  const storedSeqs = new Set(stored.map((e) => e.seq));
  expect(seqs.filter((seq) => !storedSeqs.has(seq))).toEqual([]);
}
const finishes = (jobId: string) => (m: Message) => {
  if (m.event !== undefined || !m.data) return false;
  const event = JSON.parse(m.data) as JobEvent;
  return event.type === 'finished' && event.jobId === jobId;
};

describe('event stream over SSE', () => {
  it('serves every connection from one engine subscription, the same frames to each', async () => {
    const engine = await openEngine();
    const base = await serveRouter(engine);
    const count = 20;
    let open = 0;
    let allOpen: () => void = () => {};
    const opened = new Promise<void>((resolve) => {
      allOpen = resolve;
    });
    // A job is started only once every stream is open, so each must see all of it.
    let jobId = '';
    const streams = Array.from({ length: count }, () =>
      readUntil(eventsUrl(base, {}), (m) => jobId !== '' && finishes(jobId)(m), {
        onOpen: () => {
          if (++open === count) allOpen();
        },
      }),
    );
    await opened;
    expect(engine.stats().subscribers).toBe(1);
    jobId = (await engine.start('test.sleep', { items: 3, ms: 20 })).id;
    const expected = (await collect(engine.events({ jobId, after: 0 }))).map((e) => e.seq);
    for (const messages of await Promise.all(streams)) {
      const seen = jobEvents(messages).filter((e) => e.jobId === jobId);
      expect(seen.map((e) => e.seq)).toEqual(expected);
      expect(messages.filter((m) => m.id !== undefined).map((m) => m.id)).toEqual(
        jobEvents(messages).map((e) => String(e.seq)),
      );
    }
  });

  it('resumes from lastEventId while the job is still emitting, nothing lost or repeated', async () => {
    const engine = await openEngine();
    const base = await serveRouter(engine);
    const job = await engine.start('test.sleep', { items: 12, ms: 40 });
    // Joins in the middle, once some items are done (succeeded ones come as `items` counts, not an
    // event each): the replay from the store meets the live stream.
    await collect(engine.events({ jobId: job.id, after: 0 }), (e) => e.type === 'items' || e.type === 'item');
    const resumed = jobEvents(
      await readUntil(eventsUrl(base, { jobId: job.id, lastEventId: '0' }), finishes(job.id)),
    );
    const all = await collect(engine.events({ jobId: job.id, after: 0 }));
    expect(resumed.map((e) => e.seq)).toEqual(all.map((e) => e.seq));

    const cut = all[Math.floor(all.length / 2)]!.seq;
    const rest = jobEvents(
      await readUntil(eventsUrl(base, { jobId: job.id }), finishes(job.id), {
        headers: { 'last-event-id': String(cut) },
      }),
    );
    expect(rest.map((e) => e.seq)).toEqual(all.filter((e) => e.seq > cut).map((e) => e.seq));
  });

  it('replays a history older than the server from the store: every event, to each of several readers at once', async () => {
    const engine = await openEngine();
    // Two jobs' events interleaved in the store, over many pages, before the server is there.
    const other = await engine.start('test.sleep', { items: 2000, ms: 0, failEvery: 3 });
    const job = await engine.start('test.sleep', { items: 2000, ms: 0, failEvery: 2 });
    await engine.waitFor(other.id);
    await engine.waitFor(job.id);
    const base = await serveRouter(engine);
    const stored = await collect(engine.events({ jobId: job.id, after: 0 }), (e) => e.type === 'finished');
    const cut = stored[Math.floor(stored.length / 3)]!.seq;
    const [whole, again, rest] = await Promise.all([
      readUntil(eventsUrl(base, { jobId: job.id, lastEventId: '0' }), finishes(job.id)),
      readUntil(eventsUrl(base, { jobId: job.id, lastEventId: '0' }), finishes(job.id)),
      readUntil(eventsUrl(base, { jobId: job.id, lastEventId: String(cut) }), finishes(job.id)),
    ]);
    expect(jobEvents(whole).map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(jobEvents(again).map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(jobEvents(rest).map((e) => e.seq)).toEqual(stored.filter((e) => e.seq > cut).map((e) => e.seq));
  });

  it("tells a fast job's succeeded items as counts that add up to the job's, not an event per item", async () => {
    const engine = await openEngine();
    const base = await serveRouter(engine);
    const job = await engine.start('test.sleep', { items: 3000, ms: 0, failEvery: 1000 });
    const events = jobEvents(
      await readUntil(eventsUrl(base, { jobId: job.id, lastEventId: '0' }), finishes(job.id)),
    );
    const succeeded = events.reduce((n, e) => n + (e.type === 'items' ? e.succeeded : 0), 0);
    const failed = events.filter((e) => e.type === 'item' && e.outcome === 'failed').length;
    expect(events.at(-1)).toMatchObject({ type: 'finished', items: { succeeded: 2997, failed: 3 } });
    expect({ succeeded, failed }).toEqual({ succeeded: 2997, failed: 3 });
    expect(events.length).toBeLessThan(300);
    expect(events.map((e) => e.seq)).toEqual(
      (await collect(engine.events({ jobId: job.id, after: 0 }))).map((e) => e.seq),
    );
  });

  it('holds a reader that stops reading: it later gets every event, in order, none dropped but superseded progress', async () => {
    const engine = await openEngine();
    const base = await serveRouter(engine);
    // Every item fails: an event each, with its stack, megabytes more than the sockets hold.
    const job = await engine.start('test.sleep', { items: 20_000, ms: 0, failEvery: 1 });
    const url = new URL(eventsUrl(base, { jobId: job.id, lastEventId: '0' }));
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
        res.pause();
        const chunks: string[] = [];
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          // Looked for in the chunk and the end of the one before: the text runs to megabytes.
          const tail = (chunks.at(-1) ?? '').slice(-40) + chunk;
          chunks.push(chunk);
          if (tail.includes('"type":"finished"')) {
            req.destroy();
            resolve(chunks.join(''));
          }
        });
        res.on('error', reject);
        res.on('end', () => reject(new Error(`the stream ended after ${chunks.join('').length} bytes`)));
        // Reads nothing until the job is over: the server has had to hold or drop it all.
        void engine.waitFor(job.id).then(() => res.resume());
      });
      req.on('error', reject);
      req.end();
    });
    const events = body
      .split('\n\n')
      .map((block) => block.split('\n'))
      .filter((lines) => !lines.some((line) => line.startsWith('event:')))
      .flatMap((lines) => lines.filter((line) => line.startsWith('data: ')))
      .map((line) => JSON.parse(line.slice(6)) as JobEvent);
    const stored = await collect(engine.events({ jobId: job.id, after: 0 }));
    expectCaughtUp(events, stored);
    expect(events.filter((e) => e.type === 'item')).toHaveLength(20_000);
  });

  it('keeps an idle stream alive with pings', async () => {
    const engine = await openEngine();
    const base = await serveRouter(engine, 100);
    const messages = await readUntil(eventsUrl(base, {}), (m) => m.event === 'ping', { timeoutMs: 2000 });
    expect(messages[0]).toEqual({ event: 'connected', data: '{"reconnectAfterInactivityMs":300}' });
  });
});
