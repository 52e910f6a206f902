// The control for cooperative cancel: a bare worker thread running the same
// loop, checking a bare SharedArrayBuffer flag each iteration, with no
// Threadline around it. What it measures is the machine: how long a spinning
// thread takes to see a store from another thread (its scheduling included).
import { parentPort, workerData } from 'node:worker_threads';
import { step } from '../jobs/work.js';

const flags = new Int32Array(workerData);
const at = () => performance.timeOrigin + performance.now();

parentPort.on('message', () => {
  parentPort.postMessage({ event: 'entered', at: at() });
  let h = 2166136261;
  for (let i = 0; ; i++) {
    h = step(h, i);
    if (Atomics.load(flags, 0) === 1) break;
  }
  parentPort.postMessage({ event: 'stopped', at: at(), h });
});
