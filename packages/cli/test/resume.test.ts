// `threadline resume`: a job cut short (killed, stopped, failed) runs again as a
// new job that does not redo what succeeded; and what it refuses.
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { markerCounts, markersProject, run, tempDir, threadline } from './cli.js';

interface Job {
  id: string;
  state: string;
  items: Record<string, number>;
  resumeOf?: string;
  resumedAs?: string;
}

/** Starts a markers run in `dir` and SIGKILLs it once `atLeast` items have run; returns the job's id. */
async function killedRun(dir: string, data: string, input: object, atLeast: number) {
  const running = threadline(['run', 'test.markers', '--input', JSON.stringify(input)], data, dir);
  const markers = (input as { dir: string }).dir;
  await until(() => markerCounts(markers).size >= atLeast, `${atLeast} items to run`, 30_000);
  running.child.kill('SIGKILL');
  await running.exit;
  return /— job (j_\w+)/.exec(running.stdout())![1]!;
}

describe('threadline resume', () => {
  it('runs what a job killed with SIGKILL left, without running again what it had recorded', async () => {
    const { dir, markers } = markersProject({ poolSize: 2 });
    const data = tempDir();
    const id = await killedRun(dir, data, { dir: markers, n: 200, ms: 20 }, 40);
    const ranBefore = markerCounts(markers).size;

    const [killed] = JSON.parse((await run(['list', '--json'], data, dir)).stdout) as Job[];
    expect(killed).toMatchObject({ id, state: 'interrupted' });
    const recorded = killed!.items.succeeded!;
    expect(recorded).toBeGreaterThan(0);
    expect((await run(['show', id], data, dir)).stdout).toMatch(
      new RegExp(`^resume: +threadline resume ${id}$`, 'm'),
    );

    const resumed = await run(['resume', id], data, dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    const newId = new RegExp(`^resuming ${id} as (j_\\w+): ${recorded} of 200 items already done$`, 'm').exec(
      resumed.stdout,
    )?.[1];
    expect(newId, resumed.stdout).toBeDefined();
    expect(resumed.stdout).toMatch(/^succeeded: 200 succeeded, 0 failed, 0 cancelled of 200$/m);
    // Results of the items done before still reach summarize.
    expect(resumed.stdout).toContain('"count": 200');

    const ran = markerCounts(markers);
    expect(ran.size).toBe(200);
    // Only an item that ran but was not yet recorded when the run was killed ran twice: the
    // last tick's few. Each one the killed job had counted ran once.
    const twice = [...ran.values()].filter((times) => times > 1);
    expect([...ran.values()].every((times) => times <= 2)).toBe(true);
    expect(twice.length).toBeLessThanOrEqual(ranBefore - recorded);
    expect(ranBefore - recorded).toBeLessThan(40);

    const jobs = JSON.parse((await run(['list', '--json'], data, dir)).stdout) as Job[];
    expect(jobs.map((job) => [job.id, job.state])).toEqual([
      [newId, 'succeeded'],
      [id, 'interrupted'],
    ]);
    expect(jobs[0]!.resumeOf).toBe(id);
    expect(jobs[1]!.resumedAs).toBe(newId);
    expect((await run(['show', id], data, dir)).stdout).toMatch(new RegExp(`^resumed: +as ${newId}$`, 'm'));
    expect((await run(['show', newId!], data, dir)).stdout).toMatch(new RegExp(`^resumes: +${id} `, 'm'));
  });

  it('with resumeInterrupted, serve resumes a killed job as it starts; a one-shot command does not', async () => {
    const { dir, markers } = markersProject({ poolSize: 2, resumeInterrupted: true });
    const data = tempDir();
    const id = await killedRun(dir, data, { dir: markers, n: 60, ms: 20 }, 10);
    // `list` closes its engine at once: resuming there would only leave a new job interrupted.
    for (let i = 0; i < 2; i++) {
      const jobs = JSON.parse((await run(['list', '--json'], data, dir)).stdout) as Job[];
      expect(jobs.map((job) => job.state)).toEqual(['interrupted']);
    }

    const server = threadline(['serve', '--port', '0'], data, dir);
    await server.waitFor(/serving (http:\/\/\S+)/);
    const url = /serving (http:\/\/\S+)/.exec(server.stdout())![1]!;
    const newId = new RegExp(`^resumed 1 interrupted job: ${id} as (j_\\w+)$`, 'm').exec(
      server.stdout(),
    )?.[1];
    expect(newId, server.stdout()).toBeDefined();
    const done = await until(
      async () => {
        const jobs = JSON.parse((await run(['list', '--json', '--server', url], data, dir)).stdout) as Job[];
        return jobs.find((job) => job.id === newId && job.state === 'succeeded');
      },
      'the resumed job to succeed',
      30_000,
    );
    expect(done.items).toMatchObject({ succeeded: 60, failed: 0, cancelled: 0 });
    expect(markerCounts(markers).size).toBe(60);
    server.child.kill('SIGINT');
    expect((await server.exit).code).toBe(0);
  });

  it('refuses a job that succeeded, an unknown id and no id, each in one line with exit code 2', async () => {
    const { dir, markers } = markersProject();
    const data = tempDir();
    const ran = await run(
      ['run', 'test.markers', '--input', JSON.stringify({ dir: markers, n: 2 })],
      data,
      dir,
    );
    expect(ran.code, ran.stderr).toBe(0);
    const id = /— job (j_\w+)/.exec(ran.stdout)![1]!;

    const succeeded = await run(['resume', id], data, dir);
    expect(succeeded.code).toBe(2);
    expect(succeeded.stderr).toBe(
      `threadline: job ${id} succeeded: nothing to resume (start it again to redo it)\n`,
    );
    const unknown = await run(['resume', 'j_nope'], data, dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('threadline: no job with id j_nope\n');
    const none = await run(['resume'], data, dir);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /^threadline: give the id of one job to resume .*\nSee: threadline resume --help\n$/,
    );
    // Nothing was started by any of them.
    expect((JSON.parse((await run(['list', '--json'], data, dir)).stdout) as Job[]).length).toBe(1);

    const help = await run(['help', 'resume'], data, dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: threadline resume <job-id> \[options\]/);
    expect(help.stdout).toContain('--server <url>');
    expect(help.stdout).toMatch(/Exit codes: 0 succeeded, 3 partial/);
    const typo = await run(['resme', id], data, dir);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(did you mean "resume"?)');
  });
});
