// A real engine on a temp data directory with the built-in jobs, as `threadline tui` runs it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, type Engine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';

export async function startEngine(): Promise<{ engine: Engine; dataDir: string; stop(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'threadline-tui-'));
  const engine = await createEngine({ dataDir, registry: builtinJobs, poolSize: 2 });
  return {
    engine,
    dataDir,
    async stop() {
      await engine.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
