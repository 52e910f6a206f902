// The project config as a user meets it: found from a subfolder, its jobs by
// name in every command, flags and environment over it, and its mistakes
// named with the file and exit code 2 before anything starts.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startRedis } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { project, tempDir, threadline } from './cli.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

/** Runs `threadline` in `cwd` with no THREADLINE_* variables but those given. */
async function tl(args: string[], cwd: string, env: Record<string, string> = {}) {
  const clean = Object.fromEntries(
    // VITEST too: the CLI is a user's process, not a test runner's.
    Object.entries(process.env).filter(([key]) => !key.startsWith('THREADLINE_') && key !== 'VITEST'),
  );
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], {
      cwd,
      env: { ...clean, ...env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const JOB = (name: string) => `import { defineJob, z } from 'threadline/job';
export default defineJob({
  name: '${name}',
  title: 'Double',
  input: z.object({ n: z.number().int().default(3) }),
  items: (input) => Array.from({ length: input.n }, (_, i) => i),
  process: (i: number) => i * 2,
  summarize: (doubled: number[]) => ({ sum: doubled.reduce((a, b) => a + b, 0) }),
});
`;

const CONFIG = `import { defineConfig } from 'threadline';
export default defineConfig({ jobs: ['./jobs/*.ts'], dataDir: 'data' });
`;

describe('the project config', () => {
  it('is found from a subfolder; its jobs run by name and its data directory holds the history', async () => {
    const dir = project({ 'threadline.config.ts': CONFIG, 'jobs/double.ts': JOB('my.double') });
    const sub = join(dir, 'src', 'deep');
    mkdirSync(sub, { recursive: true });
    const jobs = await tl(['jobs'], sub);
    expect(jobs.code, jobs.stderr).toBe(0);
    expect(jobs.stdout).toContain('my.double — Double');
    expect(jobs.stdout).toContain('demo.sleep');
    const ran = await tl(['run', 'my.double', '--input', '{"n":4}'], sub);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toMatch(/succeeded: 4 succeeded/);
    expect(ran.stdout).toContain('"sum": 12');
    expect(existsSync(join(dir, 'data', 'threadline.db'))).toBe(true);
    const list = await tl(['list', '--json'], dir);
    expect(JSON.parse(list.stdout).map((job: { name: string }) => job.name)).toEqual(['my.double']);
  });

  it('prints the resolved settings and where each came from; flags and environment win', async () => {
    const dir = project({
      'threadline.config.json': JSON.stringify({
        jobs: ['jobs/double.ts'],
        builtins: false,
        port: 9999,
        poolSize: 3,
        drainMs: 500,
        resumeInterrupted: true,
      }),
      'jobs/double.ts': JOB('my.double'),
    });
    const shown = await tl(['config', '--json'], dir, { THREADLINE_DATA_DIR: join(dir, 'env-data') });
    expect(shown.code, shown.stderr).toBe(0);
    const config = JSON.parse(shown.stdout);
    expect(config.file).toBe(join(dir, 'threadline.config.json'));
    expect(config.jobs).toEqual([{ name: 'my.double', from: 'jobs/double.ts' }]);
    expect(config.settings.port).toEqual({ value: 9999, source: 'config' });
    expect(config.settings.poolSize).toEqual({ value: 3, source: 'config' });
    expect(config.settings.drainMs).toEqual({ value: 500, source: 'config' });
    expect(config.settings.resumeInterrupted).toEqual({ value: true, source: 'config' });
    expect(config.settings.dataDir).toEqual({
      value: join(dir, 'env-data'),
      source: 'env THREADLINE_DATA_DIR',
    });
    expect(config.settings.allow).toEqual({ value: [dir], source: 'default' });
    const text = await tl(['config'], dir);
    expect(text.stdout).toMatch(/port\s+9999\s+config/);
    expect(text.stdout).toMatch(/^ {2}resumeInterrupted +true +config$/m);

    // A flag overrides the config: --data-dir puts the history elsewhere.
    const flagged = join(dir, 'flag-data');
    expect((await tl(['run', 'my.double', '--data-dir', flagged], dir)).code).toBe(0);
    expect(existsSync(join(flagged, 'threadline.db'))).toBe(true);
    // builtins: false leaves only the project's jobs.
    const unknown = await tl(['run', 'demo.sleep', '--data-dir', flagged], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown job "demo\.sleep"; known jobs: my\.double/);
  });

  it("runs the project's jobs with its item timeout and worker memory limit", async () => {
    const dir = project({
      'threadline.config.json': JSON.stringify({
        jobs: ['jobs/stuck.ts'],
        builtins: false,
        dataDir: 'data',
        itemTimeoutMs: 300,
        graceMs: 200,
        workerMemoryMb: 96,
      }),
      'jobs/stuck.ts': `import { defineJob, z } from 'threadline/job';
export default defineJob({
  name: 'my.stuck',
  title: 'Stuck',
  input: z.object({}),
  items: () => [0, 1, 2],
  process: (i: number) => {
    if (i === 1) for (;;);
    return i;
  },
});
`,
    });
    const shown = JSON.parse((await tl(['config', '--json'], dir)).stdout);
    expect(shown.settings.itemTimeoutMs).toEqual({ value: 300, source: 'config' });
    expect(shown.settings.workerMemoryMb).toEqual({ value: 96, source: 'config' });
    const ran = await tl(['run', 'my.stuck'], dir);
    expect(ran.code, ran.stderr).toBe(3);
    expect(ran.stderr).toContain('timed out after 300 ms');
    expect(ran.stdout).toMatch(/2 succeeded/);
  });

  it('is named by --config or THREADLINE_CONFIG from anywhere', async () => {
    const dir = project({
      'conf/tl.config.mjs': `export default { jobs: ['../jobs/*.ts'] };\n`,
      'jobs/a.ts': JOB('a.job'),
    });
    const elsewhere = tempDir();
    const byFlag = await tl(['config', '--json', '--config', join(dir, 'conf/tl.config.mjs')], elsewhere);
    expect(byFlag.code, byFlag.stderr).toBe(0);
    expect(JSON.parse(byFlag.stdout).jobs[0]).toEqual({ name: 'a.job', from: '../jobs/a.ts' });
    const byEnv = await tl(['config'], elsewhere, { THREADLINE_CONFIG: join(dir, 'conf/tl.config.mjs') });
    expect(byEnv.stdout).toMatch(/config: +.*tl\.config\.mjs \(THREADLINE_CONFIG\)/);
    const missing = await tl(['jobs', '--config', 'nope.ts'], elsewhere);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--config names .*nope\.ts, which is not a file/);
  });

  it.each([
    [
      'a syntax error',
      { 'threadline.config.ts': 'export default defineConfig({ jobs: [ }' },
      /threadline\.config\.ts: cannot load the config/,
    ],
    [
      'an unknown key',
      { 'threadline.config.json': '{"jobz":["x.ts"]}' },
      /threadline\.config\.json: \(config\): Unrecognized key: "jobz"/,
    ],
    ['a wrong type', { 'threadline.config.json': '{"port":"80"}' }, /threadline\.config\.json: port: /],
    [
      'a glob that matches nothing',
      { 'threadline.config.json': '{"jobs":["./jobs/*.ts"]}' },
      /threadline\.config\.json: jobs: \.\/jobs\/\*\.ts matches no file/,
    ],
    [
      'a path that does not exist',
      { 'threadline.config.json': '{"jobs":["./jobs/gone.ts"]}' },
      /jobs: \.\/jobs\/gone\.ts does not exist/,
    ],
    [
      'two jobs with one name',
      {
        'threadline.config.json': '{"jobs":["./jobs/*.ts"]}',
        'jobs/a.ts': JOB('same'),
        'jobs/b.ts': JOB('same'),
      },
      /two jobs are named "same": jobs\/a\.ts and jobs\/b\.ts/,
    ],
    [
      'a job named like a built-in',
      { 'threadline.config.json': '{"jobs":["./jobs/a.ts"]}', 'jobs/a.ts': JOB('demo.sleep') },
      /two jobs are named "demo\.sleep": built-in and jobs\/a\.ts/,
    ],
    [
      'a module without a job as default export',
      { 'threadline.config.json': '{"jobs":["./jobs/*.ts"]}', 'jobs/a.ts': 'export const x = 1;\n' },
      /threadline\.config\.json: jobs: .*a\.ts does not default-export a job/,
    ],
  ])('names the file and the problem for %s, exit 2, nothing started', async (_, files, message) => {
    const dir = project({ ...files });
    for (const command of [['jobs'], ['run', 'demo.sleep'], ['list'], ['serve', '--port', '0']]) {
      const result = await tl(command, dir, { THREADLINE_DATA_DIR: join(dir, 'data') });
      expect(result.code, `${command[0]}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toContain('    at ');
    }
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });

  it('runs TypeScript jobs in a CommonJS package (npm init -y)', async () => {
    const dir = project(
      { 'threadline.config.ts': CONFIG, 'jobs/double.ts': JOB('cjs.double') },
      { version: '1.0.0', main: 'index.js' },
    );
    const ran = await tl(['run', 'cjs.double'], dir);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('"sum": 6');
  });
});

/** The lines `threadline jobs` prints for one job. */
const block = (listing: string, name: string) =>
  listing.split('\n\n').find((part) => part.trimStart().startsWith(`${name} — `)) ?? '';

describe('the project on BullMQ workers', () => {
  it('lists which workers have each job, and a worker without the job fails it naming the job and its host', async () => {
    const redis = await startRedis();
    try {
      const dir = project({ 'threadline.config.ts': CONFIG, 'jobs/double.ts': JOB('my.double') });
      const elsewhere = tempDir();
      // A worker started outside the project has only the built-in jobs.
      const stranger = threadline(['worker', '--redis', redis.url, '--pool-size', '1'], tempDir(), elsewhere);
      await stranger.waitFor(/threads, taking items/);
      const listed = await tl(['jobs', '--redis', redis.url], dir);
      expect(listed.code, listed.stderr).toBe(0);
      expect(block(listed.stdout, 'my.double')).toContain('no connected worker has this job');
      expect(block(listed.stdout, 'demo.sleep')).toContain(`on 1 worker: ${hostname()}`);
      const refused = await tl(['run', 'my.double', '--redis', redis.url], dir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`worker on ${hostname()}`);
      expect(refused.stderr).toContain('has no job "my.double"');

      // A worker started in the project runs its jobs by name.
      const member = threadline(['worker', '--redis', redis.url, '--pool-size', '1'], tempDir(), dir);
      await member.waitFor(/threads, taking items/);
      stranger.child.kill('SIGINT');
      expect((await stranger.exit).code).toBe(0);
      expect(block((await tl(['jobs', '--redis', redis.url], dir)).stdout, 'my.double')).toContain(
        'on 1 worker',
      );
      const ran = await tl(['run', 'my.double', '--redis', redis.url, '--input', '{"n":5}'], dir);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toContain('"sum": 20');
      member.child.kill('SIGINT');
      expect((await member.exit).code).toBe(0);
    } finally {
      await redis.close();
    }
  });
});

describe('threadline init', () => {
  it('writes a project whose example job is listed and runs, and never overwrites', async () => {
    const parent = tempDir();
    const init = await tl(['init', 'my-app'], parent);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toMatch(/cd my-app\n {2}npm install\n {2}npx threadline serve/);
    const dir = join(parent, 'my-app');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.name).toBe('my-app');
    expect(pkg.dependencies.threadline).toMatch(/^\^\d+\.\d+\.\d+$/);
    symlinkSync(NODE_MODULES, join(dir, 'node_modules'));

    const jobs = await tl(['jobs'], dir);
    expect(jobs.stdout).toContain('example.count — Count (example)');
    const ran = await tl(['run', 'example.count', '--input', '{"to":3,"ms":10}'], dir);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('"sumOfSquares": 14');
    expect(existsSync(join(dir, '.threadline', 'threadline.db'))).toBe(true);

    const again = await tl(['init', 'my-app'], parent);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/threadline\.config\.ts already exists/);
  });

  it('adds the dependency to an existing package.json and keeps the rest', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'mine', scripts: { x: 'y' } }));
    expect((await tl(['init'], dir)).code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'mine',
      scripts: { x: 'y' },
      dependencies: { threadline: expect.any(String) },
    });
  });
});
