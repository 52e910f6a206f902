// Starts one worker thread. Built code runs worker.js directly; under a test
// runner the sources are TypeScript, so a tiny bootstrap registers tsx first.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type ResourceLimits, type TransferListItem, Worker } from 'node:worker_threads';
import type { WorkerInit } from './messages.js';

const fromSource = import.meta.url.endsWith('.ts');

export function spawnWorker(
  init: WorkerInit,
  transferList: TransferListItem[],
  resourceLimits?: ResourceLimits,
): Worker {
  const options = { workerData: init, transferList, ...(resourceLimits ? { resourceLimits } : {}) };
  if (!fromSource) return new Worker(new URL('./worker.js', import.meta.url), options);
  const tsxRoot = dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(join(tsxRoot, 'dist/esm/api/index.mjs')).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { ...options, eval: true });
}
