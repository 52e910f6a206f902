// The CLI over BullMQ: workers in their own processes, `run --redis` and
// `serve --redis` against one real redis-server.
import { freePort, type RedisServer, startRedis } from '@threadline/testing';
import { createTrpcClient } from '@threadline/trpc';
import { afterEach, describe, expect, it } from 'vitest';
import { run, tempDir, threadline } from './cli.js';

const redisServers: RedisServer[] = [];
afterEach(async () => {
  for (const redis of redisServers.splice(0)) await redis.close();
});

describe('threadline over Redis', () => {
  it('runs a job on two worker processes, from run --redis and from serve --redis', async () => {
    const server = await startRedis();
    redisServers.push(server);
    const redis = server.url;
    const dir = tempDir();
    const workers = [
      threadline(['worker', '--redis', redis, '--pool-size', '1'], dir),
      threadline(['worker', '--redis', redis, '--pool-size', '1'], dir),
    ];
    for (const worker of workers) await worker.waitFor(/threads, taking items/);

    const ran = await run(['run', 'demo.sleep', '--redis', redis, '--input', '{"items":20,"ms":50}'], dir);
    expect(ran.stderr).toBe('');
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('succeeded: 20 succeeded, 0 failed, 0 cancelled of 20');

    const serve = threadline(['serve', '--redis', redis, '--port', '0'], dir);
    await serve.waitFor(/serving (http:\/\/\S+)/);
    const url = /serving (http:\/\/\S+)/.exec(serve.stdout())![1]!;
    const client = createTrpcClient(`${url.replace(/\/$/, '')}/trpc`);
    try {
      const job = await client.start('demo.sleep', { items: 10, ms: 20 });
      let state: string | undefined;
      for await (const event of client.events({
        jobId: job.id,
        after: 0,
        signal: AbortSignal.timeout(30_000),
      })) {
        if (event.type === 'finished') {
          state = event.state;
          break;
        }
      }
      expect(state).toBe('succeeded');
      expect((await client.list()).map((j) => j.id)).toContain(job.id);
    } finally {
      await client.close();
    }
    for (const worker of [...workers, serve]) worker.child.kill('SIGINT');
    for (const worker of workers) expect((await worker.exit).code).toBe(0);
  });

  it('says clearly when Redis is unreachable, with exit code 2', async () => {
    const port = await freePort();
    const result = await run(['run', 'demo.sleep', '--redis', `redis://127.0.0.1:${port}`], tempDir());
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^threadline: .*127\.0\.0\.1:\d+/);
  });
});
