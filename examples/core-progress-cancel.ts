import { createEngine, formatProgressLine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';

const engine = await createEngine({
  registry: { ...builtinJobs, 'primes.count': new URL('./jobs/count-primes.ts', import.meta.url).href },
  graceMs: 500, // how long a cancelled item may ignore the cancel before its thread is terminated
});
try {
  // Follow a job's events from its start; cancel it once it is a tenth done.
  const job = await engine.start('primes.count', { below: 20_000_000 });
  for await (const event of engine.events({ jobId: job.id, after: 0 })) {
    if (event.type === 'progress') {
      // 2008067/20000000 numbers (10.0%) 1092893/s eta 16s — 149502 primes so far
      console.log(formatProgressLine(event.progress, job.unit));
      // Cancelling a job that is already cancelling changes nothing.
      if ((event.progress.fraction ?? 0) >= 0.1) await engine.cancel(job.id, { reason: 'enough' });
    }
    if (event.type === 'cancelling') console.log(`cancelling: ${event.reason}`);
    if (event.type === 'finished') {
      console.log(`primes.count ${event.state}`); // the loop saw throwIfCancelled() throw
      break;
    }
  }

  // demo.sleep with `cpu` spins without ever checking: its thread is terminated after graceMs.
  const stubborn = await engine.start('demo.sleep', { items: 1, ms: 60_000, cpu: true });
  await new Promise((resolve) => setTimeout(resolve, 200));
  const started = Date.now();
  await engine.cancel(stubborn.id); // { force: true } would terminate it at once
  const ended = await engine.waitFor(stubborn.id);
  console.log(`demo.sleep ${ended.state} after ${Date.now() - started} ms`);
} finally {
  await engine.close();
}
