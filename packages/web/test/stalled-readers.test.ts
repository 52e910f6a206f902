// 500 event streams whose readers never read, during a fast job with thousands of
// events: each stream stops taking live frames once its socket is full (to catch up
// from its cursor later), so the job runs to its end, the server keeps answering, a
// reader that keeps up gets every failure, and one that stalled and comes back
// with its Last-Event-ID gets the rest.
import * as http from 'node:http';
import { connect, type Socket } from 'node:net';
import type { JobEvent } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { authFor, onCleanup, serve, tokenOf } from './helpers.js';

const STALLED = 500;
const ITEMS = 10_000;

function stalledStream(port: number, token: string | undefined): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /trpc/jobs.events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n${
          token ? `Authorization: Bearer ${token}\r\n` : ''
        }\r\n`,
      );
      // Never read: what the server sends piles up in the kernel's buffers, then in its own.
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

interface Reader {
  /** Job events in the order they came, with the id each message carried. */
  events: { id: number; event: JobEvent }[];
  /** Starts (or goes on) reading; `until` stops the reader once it holds for the events so far. */
  read(until: (events: Reader['events']) => boolean): Promise<void>;
  close(): void;
}

/** An SSE reader over node:http that reads only when told to: paused, its socket fills up as a stalled one's does. */
function sseReader(base: string, headers: Record<string, string> = {}): Promise<Reader> {
  return new Promise((resolve, reject) => {
    const events: Reader['events'] = [];
    let buffer = '';
    const request = http.get(
      `${base}/trpc/jobs.events`,
      { headers: { accept: 'text/event-stream', ...authFor(base), ...headers } },
      (res) => {
        if (res.statusCode !== 200) return reject(new Error(`SSE request refused: ${res.statusCode}`));
        res.setEncoding('utf8');
        res.pause();
        let stop: ((events: Reader['events']) => boolean) | undefined;
        let done: () => void = () => {};
        res.on('data', (chunk: string) => {
          buffer += chunk;
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            const block = buffer.slice(0, end).replace(/^\n+/, '');
            buffer = buffer.slice(end + 2);
            if (!block.startsWith('data: ')) continue; // connected, ping
            const [data, id] = block.split('\n');
            events.push({ id: Number(id!.slice(4)), event: JSON.parse(data!.slice(6)) as JobEvent });
            if (stop?.(events)) {
              request.destroy();
              done();
              return;
            }
          }
        });
        res.on('error', () => {});
        resolve({
          events,
          read(until) {
            stop = until;
            return new Promise<void>((resolveRead, rejectRead) => {
              done = resolveRead;
              res.once('end', () => rejectRead(new Error(`the stream ended after ${events.length} events`)));
              if (until(events)) {
                request.destroy();
                resolveRead();
              } else res.resume();
            });
          },
          close: () => request.destroy(),
        });
      },
    );
    request.on('error', reject);
    onCleanup(() => void request.destroy());
  });
}

const failedIndexes = (events: Reader['events']) =>
  events.flatMap(({ event }) => (event.type === 'item' && event.outcome === 'failed' ? [event.index] : []));
const finished = (jobId: string) => (events: Reader['events']) =>
  events.some(({ event }) => event.type === 'finished' && event.jobId === jobId);

describe('readers that stop reading', () => {
  it(`runs a fast job to its end with ${STALLED} stalled event streams: a prompt reader gets every failure, a stalled one that resumes gets the rest`, {
    timeout: 240_000,
  }, async () => {
    const { server, base, engine } = await serve({ limits: { maxStreams: STALLED + 10 } });
    const sockets: Socket[] = [];
    onCleanup(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (let i = 0; i < STALLED; i++) sockets.push(await stalledStream(server.port, tokenOf(base)));
    const prompt = await sseReader(base);
    const stalled = await sseReader(base);
    // Every other item fails: each failure is an event of its own, with its error, for every stream.
    const job = await engine.start('demo.sleep', { items: ITEMS, ms: 0, failEvery: 2 });
    const following = prompt.read(finished(job.id));
    const done = await engine.waitFor(job.id);
    expect(done.items).toMatchObject({ succeeded: ITEMS / 2, failed: ITEMS / 2 });
    const metrics = await fetch(`${base}/metrics`, {
      headers: authFor(base),
      signal: AbortSignal.timeout(30_000),
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(new RegExp(`threadline_http_sse_connections ${STALLED + 2}\\b`));

    await following;
    // Items 2, 4, ... fail: indexes count from 0.
    const everyFailure = Array.from({ length: ITEMS / 2 }, (_, i) => 2 * i + 1);
    expect(failedIndexes(prompt.events).sort((a, b) => a - b)).toEqual(everyFailure);
    expect(prompt.events.at(-1)?.event).toMatchObject({ type: 'finished', items: { failed: ITEMS / 2 } });

    // The stalled reader reads what its socket held, goes away part way, and comes back from its cursor.
    await stalled.read((events) => failedIndexes(events).length >= 100);
    const cursor = stalled.events.at(-1)!.id;
    const resumed = await sseReader(base, { 'last-event-id': String(cursor) });
    await resumed.read(finished(job.id));
    expect(resumed.events[0]!.id).toBeGreaterThan(cursor);
    const both = [...stalled.events, ...resumed.events];
    const ids = both.map(({ id }) => id);
    expect(ids).toEqual([...new Set(ids)].sort((a, b) => a - b));
    expect(failedIndexes(both).sort((a, b) => a - b)).toEqual(everyFailure);
  });
});
