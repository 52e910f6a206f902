// What one request may ask of the server: a batch of calls, the time to send
// a request, event streams at once, and how often a schedule may run.
import { connect } from 'node:net';
import { ValidationError } from '@threadline/core';
import { createTrpcClient } from '@threadline/trpc';
import { describe, expect, it } from 'vitest';
import { authFor, onCleanup, readSse, serve, tokenOf } from './helpers.js';

describe('server limits', () => {
  it('refuses a tRPC batch over maxBatchSize', async () => {
    const { base } = await serve({ limits: { maxBatchSize: 3 } });
    const batch = (n: number) =>
      fetch(
        `${base}/trpc/${Array(n).fill('jobs.definitions').join(',')}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`,
        { headers: authFor(base) },
      );
    expect((await batch(3)).status).toBe(200);
    const refused = await batch(900);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/batch/i);
  });

  it('cuts off a request whose body never finishes', async () => {
    const { server, base } = await serve({ limits: { requestTimeoutMs: 500 } });
    const socket = connect(server.port, '127.0.0.1');
    onCleanup(() => {
      socket.destroy();
    });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    // Headers promise 100 bytes; only 10 come.
    socket.write(
      `POST /trpc/jobs.start HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${tokenOf(base)}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"name":"d`,
    );
    const started = Date.now();
    const reply = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk;
      });
      socket.once('close', () => resolve(text));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('keeps an event stream open past the request timeout: only the request must arrive in time', async () => {
    const { base, engine } = await serve({ limits: { requestTimeoutMs: 300 } });
    const reading = readSse(`${base}/trpc/jobs.events`, {}, 2);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await engine.start('demo.sleep', { items: 1, ms: 0 });
    const events = await reading;
    expect(events.map((event) => (event.data as { type: string }).type)).toEqual(['queued', 'started']);
  });

  it('refuses event streams past maxStreams with 503, and takes one again when another closes', async () => {
    const { base } = await serve({ limits: { maxStreams: 2 } });
    const open = () => {
      const controller = new AbortController();
      const response = fetch(`${base}/trpc/jobs.events`, {
        headers: { accept: 'text/event-stream', ...authFor(base) },
        signal: controller.signal,
      });
      onCleanup(() => controller.abort());
      return { response, controller };
    };
    const first = open();
    const second = open();
    expect((await first.response).status).toBe(200);
    expect((await second.response).status).toBe(200);
    const third = await open().response;
    expect(third.status).toBe(503);
    expect(await third.text()).toContain('2 event streams are open');
    first.controller.abort();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await open().response).status).toBe(200);
  });

  it('refuses a schedule more often than minEveryMs, naming the field', async () => {
    const { base, engine } = await serve({ limits: { minEveryMs: 1000 } });
    const api = createTrpcClient(`${base}/trpc`, { token: tokenOf(base)! });
    onCleanup(() => api.close());
    const refused = await api.start('demo.sleep', { items: 1 }, { every: '10ms' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as Error).message).toMatch(/every: "10ms" is too often/);
    expect(await engine.list({})).toEqual([]);
  });
});
