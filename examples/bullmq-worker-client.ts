import { createBullmqClient, runBullmqWorker } from '@threadline/bullmq';
import { builtinJobs } from '@threadline/jobs';

const redis = process.env.THREADLINE_REDIS ?? 'redis://127.0.0.1:6379';

// Usually on other machines: a worker runs items on its own thread pool.
const worker = await runBullmqWorker({ connection: redis, registry: builtinJobs, concurrency: 2 });
// Anywhere: a JobClient that starts jobs and follows them through Redis.
const client = await createBullmqClient({ connection: redis, registry: builtinJobs });
try {
  // Workers advertise themselves: host, threads and the jobs they have; the queue says what waits.
  const { workers, queue } = await client.workers();
  for (const w of workers) console.log(`worker ${w.id}: ${w.threads} threads, ${w.jobs.length} jobs`);
  console.log(`chunks: ${queue.waiting} waiting, ${queue.active} active`);

  const job = await client.start('demo.sleep', { items: 20, ms: 20 });
  for await (const event of client.events({ jobId: job.id, after: 0 })) {
    if (event.type === 'finished') {
      console.log(event.state, event.summary);
      break;
    }
  }
} finally {
  await client.close();
  await worker.close(); // lets running chunks finish and be recorded
}
