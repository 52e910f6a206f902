// A child process of the items measure: one engine, one job of `items` tiny
// items, in a process of its own so its peak RSS is the job's and nothing
// else's (no tsx, no peers). Prints one JSON line: seconds, peak RSS, and the
// size of the data directory after close (WAL and lock files included).
// argv: JSON { items, threads, warmup }
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '@threadline/core';
import { watchMemory } from './memory.js';

const { items, threads, warmup } = JSON.parse(process.argv[2]);
const job = new URL('../jobs/tiny.js', import.meta.url).href;

function sizeOf(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? sizeOf(path) : statSync(path).size;
  }
  return bytes;
}

async function run(engine, n) {
  const started = await engine.start(job, { n });
  const done = await engine.waitFor(started.id);
  if (done.state !== 'succeeded' || done.items.succeeded !== n) {
    throw new Error(`bench.tiny of ${n} ended ${done.state} with ${done.items.succeeded} succeeded`);
  }
}

const memory = watchMemory();
const dataDir = mkdtempSync(join(tmpdir(), 'threadline-bench-items-'));
try {
  const engine = await createEngine({ dataDir, poolSize: threads });
  await engine.pool.ready();
  await run(engine, warmup);
  const t0 = performance.now();
  await run(engine, items);
  const seconds = (performance.now() - t0) / 1000;
  await engine.close();
  const storeMb = sizeOf(dataDir) / 2 ** 20;
  console.log(JSON.stringify({ seconds, storeMb, ...memory.stop() }));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
