import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type JobEvent } from '@threadline/core';
import { afterEach } from 'vitest';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export const onCleanup = (cleanup: () => Promise<void> | void) => cleanups.push(cleanup);

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-trpc-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function openEngine(): Promise<Engine> {
  const engine = await createEngine({
    dataDir: tempDir(),
    registry: { 'test.sleep': new URL('./fixtures/sleep.mjs', import.meta.url).href },
    poolSize: 2,
    graceMs: 500,
  });
  onCleanup(() => engine.close());
  return engine;
}

/** Reads events until `until` matches, or fails after `timeoutMs`. */
export async function collect(
  events: AsyncIterable<JobEvent>,
  until: (event: JobEvent) => boolean = (e) => e.type === 'finished',
  timeoutMs = 20_000,
): Promise<JobEvent[]> {
  const seen: JobEvent[] = [];
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new Error(`timed out; saw ${seen.map((e) => e.type).join(',')}`)),
      timeoutMs,
    ).unref(),
  );
  const read = (async () => {
    for await (const event of events) {
      seen.push(event);
      if (until(event)) return seen;
    }
    throw new Error(`stream ended; saw ${seen.map((e) => e.type).join(',')}`);
  })();
  return Promise.race([read, timeout]);
}
