// A real engine (worker pool, SQLite store in a temp dir) with the built-in
// jobs registered, closed after the test.
import { createEngine, type Engine, type EngineOptions, type JobEvent } from '@threadline/core';
import { builtinJobs } from '../../src/index.js';
import { onCleanup, tempDir } from './temp.js';

/**
 * The built modules (test/global-setup.ts builds them). Under vitest, core's
 * loadJob skips tsx whenever VITEST is set, worker threads included, so a
 * worker started from core's dist cannot import a .ts job module.
 */
export const builtJobs: Record<string, string> = Object.fromEntries(
  Object.entries(builtinJobs).map(([name, url]) => [name, url.replace(/\/src\/([^/]+)\.ts$/, '/dist/$1.js')]),
);

export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  const engine = await createEngine({ dataDir: tempDir(), registry: builtJobs, poolSize: 2, ...options });
  onCleanup(() => engine.close());
  return engine;
}

/** The first event of the job matching `test`, replaying from the start; fails after `timeoutMs`. */
export async function waitForEvent<T extends JobEvent>(
  engine: Engine,
  jobId: string,
  test: (event: JobEvent) => event is T,
  timeoutMs = 20_000,
): Promise<T> {
  const seen: string[] = [];
  for await (const event of engine.events({ jobId, after: 0, signal: AbortSignal.timeout(timeoutMs) })) {
    if (test(event)) return event;
    seen.push(event.type);
    if (event.type === 'finished') break;
  }
  throw new Error(`job ${jobId} never matched; saw ${seen.join(', ')}`);
}

export type FinishedEvent = Extract<JobEvent, { type: 'finished' }>;
export const isFinished = (event: JobEvent): event is FinishedEvent => event.type === 'finished';

export const finished = (engine: Engine, jobId: string, timeoutMs?: number): Promise<FinishedEvent> =>
  waitForEvent(engine, jobId, isFinished, timeoutMs);
