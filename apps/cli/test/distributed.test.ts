// The CLI over BullMQ: workers in their own processes, `run --redis` and
// `serve --redis` against one real redis-server.
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createTrpcClient } from '@threadline/trpc';
import { afterEach, describe, expect, it } from 'vitest';
import { run, tempDir, threadline } from './cli.js';

const redisServers: ChildProcess[] = [];
afterEach(() => {
  for (const child of redisServers.splice(0)) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startRedis(): Promise<string> {
  const port = await freePort();
  const child = spawn('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--dir',
    tempDir(),
  ]);
  redisServers.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (/Ready to accept connections/.test(out)) resolve();
    });
    child.once('exit', () => reject(new Error(`redis-server exited:\n${out}`)));
  });
  return `redis://127.0.0.1:${port}`;
}

describe('threadline over Redis', () => {
  it('runs a job on two worker processes, from run --redis and from serve --redis', async () => {
    const redis = await startRedis();
    const dir = tempDir();
    const workers = [
      threadline(['worker', '--redis', redis, '--concurrency', '1'], dir),
      threadline(['worker', '--redis', redis, '--concurrency', '1'], dir),
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
