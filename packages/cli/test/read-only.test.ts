// `list` and `show` on a data directory nobody may write (a read-only tmpfs;
// root writes through chmod, so a mount it is) with no engine on it: they read
// the history as it is and write nothing. Skipped where mounting is not allowed.
import { readdirSync } from 'node:fs';
import { tmpfsMounts } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { run, tempDir, threadline } from './cli.js';

const mounts = tmpfsMounts();
afterEach(() => mounts.unmountAll());
const canMount = mounts.canMount(tempDir());

describe('list and show on a read-only data directory', () => {
  it.skipIf(!canMount)('show its history, exit 0, and leave it as it was', async () => {
    const data = tempDir();
    const ran = await run(['run', 'demo.sleep', '--input', '{"items":4,"ms":0,"failEvery":2}'], data);
    expect(ran.code, ran.stderr).toBe(3);
    const dir = mounts.readOnlyCopy(data, tempDir())!;
    const before = readdirSync(dir).sort();

    const list = await run(['list', '--json'], dir);
    expect(list.stderr).toBe('');
    expect(list.code).toBe(0);
    const jobs = JSON.parse(list.stdout) as { id: string; state: string }[];
    expect(jobs.map((job) => job.state)).toEqual(['partial']);
    const table = await run(['list'], dir);
    expect(table.stdout).toMatch(new RegExp(`^${jobs[0]!.id} +demo\\.sleep +partial `, 'm'));

    const show = await run(['show', jobs[0]!.id], dir);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/^state: {4}partial — 2 of 4 items failed/m);
    expect(show.stdout).toMatch(/^failed items:\n {2}\S+: /m);
    const unknown = await run(['show', 'j_nope'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('threadline: no job with id j_nope\n');

    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it.skipIf(!canMount)(
    'say that a job an engine was killed in the middle of is shown as recorded',
    async () => {
      const data = tempDir();
      const running = threadline(['run', 'demo.sleep', '--input', '{"items":100,"ms":200}'], data);
      await running.waitFor(/items \(/);
      running.child.kill('SIGKILL');
      await running.exit;
      const dir = mounts.readOnlyCopy(data, tempDir())!;
      const list = await run(['list', '--json'], dir);
      expect(list.code, list.stderr).toBe(0);
      const [job] = JSON.parse(list.stdout) as { id: string; state: string }[];
      expect(job!.state).toBe('running');
      expect(list.stderr).toBe(
        `threadline: ${dir} cannot be written, so its history is shown as recorded: no engine answers there, yet ${job!.id} (running) is not finished\n`,
      );
    },
  );
});
