// A Threadline engine in a temporary data folder, removed on close.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine, type EngineOptions } from '@threadline/core';

export interface BenchEngine {
  engine: Engine;
  close(): Promise<void>;
}

export async function openEngine(options: EngineOptions = {}): Promise<BenchEngine> {
  const dataDir = mkdtempSync(join(tmpdir(), 'threadline-bench-'));
  const engine = await createEngine({ dataDir, ...options });
  await engine.pool.ready();
  return {
    engine,
    async close() {
      await engine.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts a job and resolves with its final snapshot, failing loudly if it did not succeed. */
export async function runToEnd(engine: Engine, job: string, input: unknown): Promise<void> {
  const started = await engine.start(job, input);
  const done = await engine.waitFor(started.id);
  if (done.state !== 'succeeded') {
    throw new Error(`bench job ${job} ended ${done.state}: ${done.error?.message ?? 'no error'}`);
  }
}

export const jobUrl = (name: string): string => new URL(`./jobs/${name}.js`, import.meta.url).href;
export const peerFile = (name: string): string => new URL(`./peers/${name}.js`, import.meta.url).href;
