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

/** The tokens of the servers `serve` started with their own, by base URL. */
const tokens = new Map<string, string>();

/**
 * The header a local user's client sends to a server `serve` started with its own token (as
 * the CLI reads it from the data directory); none for a test that chose the token or the host.
 */
export const authFor = (url: string): Record<string, string> => {
  const token = tokenOf(url);
  return token ? { authorization: `Bearer ${token}` } : {};
};

/** The token such a server's local user has (none for a server whose token a test chose). */
export const tokenOf = (url: string): string | undefined => tokens.get(new URL(url).origin);

/** The page at `path` the way a user opens it: through the printed URL's token. */
export const pageUrl = (server: WebServer, path = '/'): string =>
  server.token ? `${server.origin}${path}?token=${server.token}` : `${server.origin}${path}`;

/** A real server on a free port over a real engine, with a token of its own (as serve makes one). */
export async function serve(
  options: Partial<ServerOptions> = {},
): Promise<{ engine: Engine; server: WebServer; base: string }> {
  const engine = (options.client as Engine | undefined) ?? (await openEngine());
  const server = await createServer({ port: 0, pingMs: 1000, ...options, client: engine });
  const base = `http://127.0.0.1:${server.port}`;
  // A restart on the same port with the same token (as serve reads it again) keeps it.
  const own = options.token === undefined || options.token === tokens.get(base);
  if (own && options.host === undefined && server.token) {
    tokens.set(base, server.token);
    onCleanup(() => void tokens.delete(base));
  }
  onCleanup(() => server.close());
  return { engine, server, base };
}

/** Reads a raw SSE response until `count` data events arrived; returns their ids and payloads. */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  count: number,
): Promise<{ id: string | undefined; data: unknown }[]> {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: 'text/event-stream', ...authFor(url), ...headers },
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
