// The CLI over BullMQ: workers in their own processes, `run --redis` and
// `serve --redis` against one real redis-server.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type RedisServer, startRedis, until } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { markerCounts, markersProject, run, serverClient, tempDir, threadline } from './cli.js';

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
    const client = serverClient(url);
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

  it('stops a worker on SIGTERM once its running items have finished and been recorded', async () => {
    const server = await startRedis();
    redisServers.push(server);
    const { dir, markers } = markersProject({ drainMs: 600_000 });
    const data = tempDir();
    const worker = threadline(['worker', '--redis', server.url, '--pool-size', '1'], data, dir);
    await worker.waitFor(/threads, taking items/);
    const input = JSON.stringify({ dir: markers, n: 1, ms: 1500 });
    const ran = threadline(['run', 'test.markers', '--redis', server.url, '--input', input], data, dir);
    await until(() => existsSync(join(markers, '0.started')), 'the item to start', 30_000);

    worker.child.kill('SIGTERM');
    expect((await worker.exit).code).toBe(0);
    expect(worker.stderr()).toMatch(
      /^threadline worker: stopping: letting 1 chunk of running items finish \(up to 10m00s\); again to stop at once$/m,
    );
    expect(worker.stderr()).toMatch(/^threadline worker: stopped: 1 chunk finished$/m);
    // The item the worker let finish was its job's last: the run ends, succeeded.
    expect((await ran.exit).code).toBe(0);
    expect([...markerCounts(markers).values()]).toEqual([1]);
  });

  it('on a second SIGTERM, a worker hands its running items back to the queue at once and exits 130', async () => {
    const server = await startRedis();
    redisServers.push(server);
    const { dir, markers } = markersProject({ drainMs: 600_000 });
    const data = tempDir();
    const worker = threadline(['worker', '--redis', server.url, '--pool-size', '1'], data, dir);
    await worker.waitFor(/threads, taking items/);
    const input = JSON.stringify({ dir: markers, n: 1, ms: 60_000 });
    const ran = threadline(['run', 'test.markers', '--redis', server.url, '--input', input], data, dir);
    await until(() => existsSync(join(markers, '0.started')), 'the item to start', 30_000);
    const id = /— job (j_\w+)/.exec(ran.stdout())![1]!;

    worker.child.kill('SIGTERM');
    await worker.waitFor(/stopping: letting 1 chunk of running items finish/);
    worker.child.kill('SIGTERM');
    // Far short of the 10-minute drain and the minute the item takes.
    expect((await worker.exit).code).toBe(130);
    expect(worker.stderr()).toMatch(/^threadline worker: stopping at once: /m);
    expect(worker.stderr()).toMatch(
      /^threadline worker: stopped: 1 chunk handed back to the queue \(their items run again on other workers\)$/m,
    );
    expect(markerCounts(markers).size).toBe(0);
    // Its job goes on, nothing of the item recorded: the next worker runs it.
    const listed = await run(['list', '--redis', server.url, '--json'], data, dir);
    const [job] = JSON.parse(listed.stdout) as { id: string; state: string; items: object }[];
    expect(job).toMatchObject({ id, state: 'running', items: { succeeded: 0, failed: 0, cancelled: 0 } });
  });
});
