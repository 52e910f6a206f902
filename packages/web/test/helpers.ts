import { realpathSync } from 'node:fs';
import { createEngine, type Engine, type EngineOptions } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { cleanupStack } from '@threadline/testing';
import { afterEach } from 'vitest';
import { createServer, type ServerOptions, type WebServer } from '../src/index.js';

export { collect } from '@threadline/testing';

const cleanups = cleanupStack();
afterEach(cleanups.run);
export const onCleanup = cleanups.add;

export const tempDir = (): string => realpathSync(cleanups.tempDir('web'));

export async function openEngine(dataDir = tempDir(), options: EngineOptions = {}): Promise<Engine> {
  const engine = await createEngine({
    dataDir,
    registry: builtinJobs,
    poolSize: 2,
    graceMs: 500,
    ...options,
  });
  onCleanup(() => engine.close());
  return engine;
}

/** A real server on a free port over a real engine. */
export async function serve(
  options: Partial<ServerOptions> = {},
): Promise<{ engine: Engine; server: WebServer; base: string }> {
  const engine = (options.client as Engine | undefined) ?? (await openEngine());
  const server = await createServer({ port: 0, pingMs: 1000, ...options, client: engine });
  onCleanup(() => server.close());
  return { engine, server, base: `http://127.0.0.1:${server.port}` };
}

/** Reads a raw SSE response until `count` data events arrived; returns their ids and payloads. */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  count: number,
): Promise<{ id: string | undefined; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  if (!response.ok || !response.body) throw new Error(`SSE request failed: ${response.status}`);
  const decoder = new TextDecoder();
  const got: { id: string | undefined; data: unknown }[] = [];
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        const fields = Object.fromEntries(
          block
            .split('\n')
            .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
        );
        if (fields.event !== undefined || fields.data === undefined) continue; // connected, ping, restore-id
        got.push({ id: fields.id, data: JSON.parse(fields.data) });
        if (got.length >= count) return got;
      }
    }
  } finally {
    controller.abort();
  }
  return got;
}
