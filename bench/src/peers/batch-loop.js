// The items measure's peer: the same job's items through a bare loop of worker
// threads, batched as Threadline batches tiny items (MAX_BATCH in
// core/src/engine/active-job.ts), one batch in flight per thread, no store,
// no events, no progress. Each worker replies with a count: without a
// summary, nobody needs the results. What is left is the least any pool pays
// to move the items. Run as a child process (peak RSS of its own); prints one
// JSON line like children/threadline-items.js.
// argv: JSON { items, threads, warmup }
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { watchMemory } from '../children/memory.js';

const BATCH = 2048;
const JOB = new URL('../jobs/tiny.js', import.meta.url).href;

if (isMainThread) {
  const { items, threads, warmup } = JSON.parse(process.argv[2]);
  const memory = watchMemory();
  const { default: job } = await import(JOB);
  const workers = Array.from({ length: threads }, () => new Worker(new URL(import.meta.url)));
  await Promise.all(workers.map((w) => new Promise((resolve) => w.once('online', resolve))));

  const run = (n) =>
    new Promise((resolve, reject) => {
      const input = { n };
      const source = job.items(input, { signal: new AbortController().signal })[Symbol.iterator]();
      let done = 0;
      let exhausted = false;
      const next = () => {
        const batch = [];
        while (!exhausted && batch.length < BATCH) {
          const step = source.next();
          if (step.done) exhausted = true;
          else batch.push(step.value);
        }
        return batch;
      };
      let running = 0;
      const feed = (worker) => {
        const batch = next();
        if (batch.length === 0) {
          worker.off('message', worker.onCount);
          if (--running === 0) (done === n ? resolve : reject)(new Error(`${done} of ${n} done`));
          return;
        }
        worker.postMessage({ input, items: batch });
      };
      for (const worker of workers) {
        worker.onCount = (count) => {
          done += count;
          feed(worker);
        };
        worker.on('message', worker.onCount);
        running++;
        feed(worker);
      }
    });

  await run(warmup);
  const t0 = performance.now();
  await run(items);
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(workers.map((w) => w.terminate()));
  console.log(JSON.stringify({ seconds, ...memory.stop() }));
} else {
  const { default: job } = await import(JOB);
  parentPort.on('message', ({ input, items }) => {
    let count = 0;
    for (let i = 0; i < items.length; i++) {
      job.process(items[i], undefined, input);
      count++;
    }
    parentPort.postMessage(count);
  });
}
