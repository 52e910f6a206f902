// 500 event streams whose readers never read, during a fast job with thousands of
// events: each stream stops taking live frames once its socket is full (to catch up
// from the store later), so the job runs to its end and the server keeps answering.
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { authFor, onCleanup, serve, tokenOf } from './helpers.js';

const STALLED = 500;

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

describe('readers that stop reading', () => {
  it(`runs a fast job to its end and keeps answering with ${STALLED} stalled event streams`, {
    timeout: 120_000,
  }, async () => {
    const { server, base, engine } = await serve({ limits: { maxStreams: STALLED + 10 } });
    const sockets: Socket[] = [];
    onCleanup(() => {
      for (const socket of sockets) socket.destroy();
    });
    for (let i = 0; i < STALLED; i++) sockets.push(await stalledStream(server.port, tokenOf(base)));
    // Every other item fails: each failure is an event of its own, with its error, for every stream.
    const job = await engine.start('demo.sleep', { items: 10_000, ms: 0, failEvery: 2 });
    const done = await engine.waitFor(job.id);
    expect(done.items).toMatchObject({ succeeded: 5_000, failed: 5_000 });
    const metrics = await fetch(`${base}/metrics`, {
      headers: authFor(base),
      signal: AbortSignal.timeout(30_000),
    });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(new RegExp(`threadline_http_sse_connections ${STALLED}\\b`));
  });
});
