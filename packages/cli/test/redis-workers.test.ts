// `threadline serve --redis`'s /metrics and workers(): the deployment's worker
// processes (two here, of 1 and 2 threads), which of them runs a chunk, and the
// items queue's depth, read from BullMQ and the workers' heartbeats.
import { type RedisServer, startRedis, until } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { serverClient, tempDir, threadline } from './cli.js';

const redisServers: RedisServer[] = [];
afterEach(async () => {
  for (const redis of redisServers.splice(0)) await redis.close();
});

describe('workers of a deployment, as serve --redis shows them', () => {
  it('/metrics and workers() list each worker process, what it runs, and the queue', {
    timeout: 120_000,
  }, async () => {
    const server = await startRedis();
    redisServers.push(server);
    const data = tempDir();
    const workers = [
      threadline(['worker', '--redis', server.url, '--pool-size', '1'], data),
      threadline(['worker', '--redis', server.url, '--pool-size', '2'], data),
    ];
    for (const worker of workers) await worker.waitFor(/threads, taking items/);
    const serve = threadline(['serve', '--redis', server.url, '--port', '0'], data);
    await serve.waitFor(/serving (http:\/\/\S+)/);
    const printed = /serving (http:\/\/\S+)/.exec(serve.stdout())![1]!;
    const url = new URL(printed);
    const metrics = async () => {
      const reply = await fetch(`${url.origin}/metrics`, {
        headers: { authorization: `Bearer ${url.searchParams.get('token')}` },
      });
      expect(reply.status).toBe(200);
      return reply.text();
    };
    const client = serverClient(printed);
    try {
      const idle = await metrics();
      expect(idle).toMatch(/^threadline_workers 2$/m);
      const threads = [...idle.matchAll(/^threadline_worker_threads\{worker="[^"]+",host="[^"]+"\} (\d)$/gm)];
      expect(threads.map((m) => Number(m[1])).sort()).toEqual([1, 2]);
      expect(idle).toMatch(/^threadline_queue_chunks\{state="waiting"\} 0$/m);

      // Five items of a minute on three threads: three run, two wait.
      const job = await client.start('demo.sleep', { items: 5, ms: 60_000 });
      const busy = await until(
        async () => {
          const text = await metrics();
          return /^threadline_queue_chunks\{state="active"\} 3$/m.test(text) && text;
        },
        'three chunks active',
        30_000,
      );
      const perWorker = [...busy.matchAll(/^threadline_worker_busy\{.*\} (\d)$/gm)].map((m) => Number(m[1]));
      expect(perWorker.sort()).toEqual([1, 2]);
      expect(busy).toMatch(/^threadline_queue_chunks\{state="waiting"\} 2$/m);

      const view = await client.workers!();
      expect(view.workers.map((w) => w.threads).sort()).toEqual([1, 2]);
      for (const worker of view.workers) {
        expect(worker.kind).toBe('process');
        expect(worker.pid).toBe(workers.find((w) => w.child.pid === worker.pid)?.child.pid);
        expect(worker.running).toHaveLength(worker.threads);
        for (const work of worker.running) expect(work).toMatchObject({ jobId: job.id, name: 'demo.sleep' });
      }
      await client.cancel(job.id, { force: true });
    } finally {
      await client.close();
    }
    for (const child of [...workers, serve]) child.child.kill('SIGINT');
    for (const child of workers) await child.exit;
  });
});
