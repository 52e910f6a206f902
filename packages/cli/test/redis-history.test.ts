// `list`, `show` and `tui` on a BullMQ deployment (--redis, or the config's
// redis): a real redis-server, a `threadline worker` process, and the same output
// as on a data directory; an unreachable or wrong Redis is one line and exit 2.
import { join } from 'node:path';
import { freePort, type RedisServer, startRedis } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { project, run, tempDir, threadline } from './cli.js';
import { useTmux } from './tmux.js';

const redisServers: RedisServer[] = [];
afterEach(async () => {
  for (const redis of redisServers.splice(0)) await redis.close();
});

const terminal = useTmux('threadline-redis-tui-');

/** Items whose index is in `failOn` throw, naming themselves. */
const FLAKY_JOB = `import { defineJob, z } from 'threadline/job';
export default defineJob({
  name: 'test.flaky',
  title: 'Flaky',
  input: z.object({ n: z.number().int().default(3), failOn: z.array(z.number().int()).default([]) }),
  items: (input) => Array.from({ length: input.n }, (_, i) => i),
  process: async (item: number, _ctx, input) => {
    if (input.failOn.includes(item)) throw new Error(\`item \${item} is flaky\`);
    return item;
  },
});
`;

const flakyProject = (config: object = {}) =>
  project({
    'threadline.config.json': JSON.stringify({ jobs: ['./jobs/*.ts'], builtins: false, ...config }),
    'jobs/flaky.ts': FLAKY_JOB,
  });

/** `list`'s rows without the creation time, which differs between two runs. */
const rows = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => line.replace(/\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/, '').replace(/\s+CREATED$/, ''))
    .map((line) => line.replace(/^j_\w+\s+/, 'ID ').replace(/^ID\s+/, 'ID '));

/** `show`'s lines less the job's id and its times. */
const shown = (stdout: string) =>
  stdout
    .replace(/j_\w+/g, 'j_ID')
    .split('\n')
    .filter((line) => !line.startsWith('created:'));

describe('list, show and tui on a BullMQ deployment', () => {
  it('list and show read a deployment (--redis or the config) as they read a data directory', {
    timeout: 120_000,
  }, async () => {
    const server = await startRedis();
    redisServers.push(server);
    const dir = flakyProject({ redis: server.url });
    const data = tempDir();
    // The worker and the run take the config's redis. One thread on each side: failures in index order.
    const worker = threadline(['worker', '--pool-size', '1'], data, dir);
    await worker.waitFor(/threads, taking items/);
    const input = JSON.stringify({ n: 6, failOn: [1, 4] });
    const ran = await run(['run', 'test.flaky', '--input', input], data, dir);
    expect(ran.code).toBe(3);
    const id = /— job (j_\w+)/.exec(ran.stdout)![1]!;

    const listed = await run(['list', '--redis', server.url], data, dir);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}\\s+test\\.flaky\\s+partial\\s+`, 'm'));
    // The config's redis is where the bare command looks.
    expect((await run(['list'], data, dir)).stdout).toBe(listed.stdout);
    const json = JSON.parse((await run(['list', '--json', '--state', 'partial'], data, dir)).stdout);
    expect(json.map((job: { id: string }) => job.id)).toEqual([id]);

    const show = await run(['show', id, '--redis', server.url], data, dir);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('state:    partial');
    expect(show.stdout).toMatch(/failed items:\n {2}\S+: item 1 is flaky\n {2}\S+: item 4 is flaky\n/);
    const missing = await run(['show', 'j_nope', '--redis', server.url], data, dir);
    expect(missing).toMatchObject({ code: 2, stderr: 'threadline: no job with id j_nope\n' });

    // The same job on a data directory reads the same, line for line, but for its id and times.
    const local = flakyProject();
    const localData = tempDir();
    const localRun = await run(['run', 'test.flaky', '--pool-size', '1', '--input', input], localData, local);
    const localId = /— job (j_\w+)/.exec(localRun.stdout)![1]!;
    expect(rows((await run(['list'], localData, local)).stdout)).toEqual(rows(listed.stdout));
    expect(shown((await run(['show', localId], localData, local)).stdout)).toEqual(shown(show.stdout));

    worker.child.kill('SIGINT');
    expect((await worker.exit).code).toBe(0);
  });

  it('says in one line, exit 2, when Redis does not answer or --redis is no Redis URL', async () => {
    const down = `redis://127.0.0.1:${await freePort()}`;
    const data = tempDir();
    for (const args of [
      ['list', '--redis', down],
      ['show', 'j_x', '--redis', down],
    ]) {
      const result = await run(args, data);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^threadline: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/);
    }
    const wrong = await run(['list', '--redis', 'localhost:6379'], data);
    expect(wrong).toMatchObject({ code: 2 });
    expect(wrong.stderr).toBe(
      'threadline: --redis must be a redis:// or rediss:// URL, like redis://127.0.0.1:6379 (got "localhost:6379")\n',
    );
  });

  it("tui --redis shows the deployment's jobs live in a terminal, and a Redis that is down in one line", {
    timeout: 120_000,
  }, async () => {
    const server = await startRedis();
    redisServers.push(server);
    const dir = flakyProject();
    const data = tempDir();
    const worker = threadline(['worker', '--redis', server.url, '--pool-size', '2'], data, dir);
    await worker.waitFor(/threads, taking items/);
    const ran = await run(
      ['run', 'test.flaky', '--redis', server.url, '--input', JSON.stringify({ n: 4, failOn: [2] })],
      data,
      dir,
    );
    const id = /— job (j_\w+)/.exec(ran.stdout)![1]!;

    terminal.start(['--config', join(dir, 'threadline.config.json'), 'tui', '--redis', server.url], {
      x: 100,
      y: 24,
    });
    await terminal.see('● live', 30_000);
    // The header names the deployment.
    expect(terminal.screen()).toContain(server.url.replace(/\/?$/, ''));
    await terminal.see(new RegExp(`test\\.flaky\\s+${id.slice(-4)}\\s+partial`));
    // Started from the terminal, run by the worker process, seen live.
    terminal.keys('n');
    await terminal.see(/▶ test\.flaky\s+Flaky/);
    terminal.keys('Enter');
    await terminal.see('Start test.flaky');
    terminal.keys('Enter');
    await terminal.see(/test\.flaky\s+\w{4}\s+succeeded/, 30_000);
    terminal.keys('q');
    expect(await terminal.exitLine()).toBe('the TUI exited with 0');

    // Redis gone: the TUI does not start, and says why in one line.
    worker.child.kill('SIGKILL');
    await server.stop();
    terminal.start(['tui', '--redis', server.url]);
    expect(await terminal.exitLine()).toBe('the TUI exited with 2');
    expect(terminal.scrollback()).toMatch(
      /^threadline: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+\/?: .+$/m,
    );
  });
});
