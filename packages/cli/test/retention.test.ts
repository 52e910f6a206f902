// The config's `retention` on a BullMQ deployment: how many finished jobs a
// real redis-server keeps, whichever of the CLI's workers and clients finishes
// them; a bad value is one line naming the key, exit 2, before anything starts.
import { startRedis } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { project, run, tempDir, threadline } from './cli.js';

const listed = async (dir: string, data: string, url: string) => {
  const result = await run(['list', '--json', '--redis', url], data, dir);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { id: string; state: string }[]).map(({ id, state }) => ({
    id,
    state,
  }));
};

describe("the config's retention", () => {
  it('keeps maxJobs finished jobs, whether a worker or a client finished them', {
    timeout: 120_000,
  }, async () => {
    const redis = await startRedis();
    try {
      const dir = project({
        'threadline.config.json': JSON.stringify({ redis: redis.url, retention: { maxJobs: 2 } }),
      });
      const data = tempDir();
      // The worker and the runs take the config's redis and its retention.
      const worker = threadline(['worker', '--pool-size', '1'], data, dir);
      await worker.waitFor(/threads, taking items/);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const ran = await run(['run', 'demo.sleep', '--input', '{"items":2,"ms":1}'], data, dir);
        expect(ran.code, ran.stderr).toBe(0);
        ids.push(/— job (j_\w+)/.exec(ran.stdout)![1]!);
      }
      expect(await listed(dir, data, redis.url)).toEqual([
        { id: ids[2], state: 'succeeded' },
        { id: ids[1], state: 'succeeded' },
      ]);
      worker.child.kill('SIGINT');
      expect((await worker.exit).code).toBe(0);

      // No worker now: Ctrl+C cancels the queued job, and `run`'s own client finishes it.
      const queued = threadline(['run', 'demo.sleep', '--input', '{"items":2,"ms":1}'], data, dir);
      await queued.waitFor(/job (j_\w+)/);
      const id = /job (j_\w+)/.exec(`${queued.stdout()}${queued.stderr()}`)![1]!;
      queued.child.kill('SIGINT');
      await queued.exit;
      expect(await listed(dir, data, redis.url)).toEqual([
        { id, state: 'cancelled' },
        { id: ids[2], state: 'succeeded' },
      ]);
    } finally {
      await redis.close();
    }
  });

  it.each([
    ['a negative maxJobs', { maxJobs: -1 }, /retention\.maxJobs: Too small: expected number to be >0$/],
    ['a fractional maxAgeMs', { maxAgeMs: 1.5 }, /retention\.maxAgeMs: Invalid input: expected int/],
    ['a string maxEvents', { maxEvents: '500' }, /retention\.maxEvents: Invalid input: expected number/],
    [
      'a maxJobEvents under a stream node',
      { maxJobEvents: 10 },
      /retention\.maxJobEvents: must be at least 100/,
    ],
    ['an unknown key', { maxJob: 2 }, /retention: Unrecognized key: "maxJob"$/],
  ])('refuses %s in one line naming the key, exit 2', async (_, retention, message) => {
    const dir = project({
      'threadline.config.json': JSON.stringify({ redis: 'redis://127.0.0.1:1', retention }),
    });
    for (const command of [['worker'], ['list']]) {
      const result = await run(command, tempDir(), dir);
      expect(result.code, `${command[0]}: ${result.stderr}`).toBe(2);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^threadline: .*threadline\.config\.json: /);
      expect(lines[0]).toMatch(message);
    }
  });
});
