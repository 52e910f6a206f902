import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import type { Engine, EngineOptions } from '../src/engine/types.js';
import type { JobEvent } from '../src/protocol/types.js';

export const fixture = (name: string) => new URL(`./fixtures/${name}.ts`, import.meta.url).href;

export const registry = {
  'test.count': fixture('count'),
  'test.spin': fixture('spin'),
  'test.memory': fixture('memory'),
  'test.every': fixture('every'),
  'test.tiny': fixture('tiny'),
  'test.weighted': fixture('weighted'),
};

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  // A short drain: a test that leaves items running should not wait the default 10 s to close.
  const engine = await createEngine({ dataDir: tempDir(), registry, poolSize: 2, drainMs: 500, ...options });
  cleanups.push(() => engine.close());
  return engine;
}

/** Collects a job's events from the start until `until` matches (default: finished). */
export async function collect(
  engine: Engine,
  jobId: string,
  until: (event: JobEvent) => boolean = (e) => e.type === 'finished',
  timeoutMs = 20_000,
): Promise<JobEvent[]> {
  const events: JobEvent[] = [];
  const signal = AbortSignal.timeout(timeoutMs);
  for await (const event of engine.events({ jobId, after: 0, signal })) {
    events.push(event);
    if (until(event)) return events;
  }
  throw new Error(`timed out waiting on job ${jobId}; saw ${events.map((e) => e.type).join(',')}`);
}
