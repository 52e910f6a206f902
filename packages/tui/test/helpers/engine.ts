// A real engine on a temp data directory with the built-in jobs, as `threadline tui` runs it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';

export interface TestEngine {
  engine: Engine;
  dataDir: string;
  /** Stops the engine at once, so its running jobs end interrupted, and opens another on the same directory. */
  restart(): Promise<Engine>;
  stop(): Promise<void>;
}

export async function startEngine(): Promise<TestEngine> {
  const dataDir = await mkdtemp(join(tmpdir(), 'threadline-tui-'));
  const open = () => createEngine({ dataDir, registry: builtinJobs, poolSize: 2 });
  let engine = await open();
  return {
    engine,
    dataDir,
    async restart() {
      await engine.shutdown({ drainMs: 0 });
      engine = await open();
      return engine;
    },
    async stop() {
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
