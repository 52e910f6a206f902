// Stopping `threadline serve` while it runs a job: running items finish and are
// recorded, the rest of the job is left interrupted for `threadline resume`, and
// a second signal stops at once.
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { markerCounts, markersProject, run, serverClient, tempDir, threadline } from './cli.js';

interface ShownJob {
  job: { id: string; state: string; error: { message: string } | null; items: Record<string, number> };
}

/** `threadline serve` in `dir` on a free port, once it listens. */
async function serve(dir: string, data: string) {
  const server = threadline(['serve', '--port', '0'], data, dir);
  await server.waitFor(/serving (http:\/\/\S+)/);
  return { server, url: /serving (http:\/\/\S+)/.exec(server.stdout())![1]! };
}

describe('stopping threadline serve', () => {
  it('lets running items finish on SIGTERM, then leaves the job interrupted with "server stopped"', async () => {
    const { dir, markers } = markersProject({ poolSize: 2 });
    const data = tempDir();
    const { server, url } = await serve(dir, data);
    const input = JSON.stringify({ dir: markers, n: 100, ms: 200 });
    const follower = threadline(['run', 'test.markers', '--server', url, '--input', input], data, dir);
    await follower.waitFor(/items \((?!0\.0%)/);
    const id = /— job (j_\w+)/.exec(follower.stdout())![1]!;

    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
    expect(server.stdout()).toMatch(
      new RegExp(`^stopping: letting 1 running job finish \\(${id}\\); again to stop at once$`, 'm'),
    );
    expect(server.stdout()).toMatch(
      new RegExp(`^stopped: 1 job interrupted \\(${id}\\): threadline resume <id> picks each up$`, 'm'),
    );
    // The follower on the server saw the job end interrupted, and says how to go on.
    expect((await follower.exit).code).toBe(1);
    expect(follower.stdout()).toMatch(/^interrupted: \d+ succeeded, 0 failed, 0 cancelled of 100$/m);
    expect(follower.stdout()).toContain(`threadline resume ${id}`);
    expect(follower.stderr()).toMatch(/^error: server stopped$/m);

    const shown = await run(['show', id, '--json'], data, dir);
    expect(shown.code, shown.stderr).toBe(0);
    const { job } = JSON.parse(shown.stdout) as ShownJob;
    expect(job.state).toBe('interrupted');
    expect(job.error!.message).toBe('server stopped');
    expect(job.items).toMatchObject({ failed: 0, cancelled: 0 });
    // Every item that ran was let finish and recorded, once: none was cut off mid-way.
    const ran = markerCounts(markers);
    expect(ran.size).toBe(job.items.succeeded);
    expect([...ran.values()].every((times) => times === 1)).toBe(true);
  }, 120_000);

  it('stops at once on a second SIGTERM during a long drain', async () => {
    const { dir, markers } = markersProject({ poolSize: 2, drainMs: 600_000 });
    const data = tempDir();
    const { server, url } = await serve(dir, data);
    const client = serverClient(url);
    let id: string;
    try {
      ({ id } = await client.start('test.markers', { dir: markers, n: 4, ms: 600_000 }));
      await until(async () => ((await client.get(id))?.progress.fraction ?? 0) > 0, 'items to run', 30_000);
    } finally {
      await client.close();
    }

    server.child.kill('SIGTERM');
    await server.waitFor(/^stopping: letting 1 running job finish/m);
    server.child.kill('SIGTERM');
    // Within the test's timeout, far short of the 10-minute drain.
    expect((await server.exit).code).toBe(0);
    expect(server.stdout()).toMatch(/^stopping at once$/m);
    expect(server.stdout()).toMatch(new RegExp(`^stopped: 1 job interrupted \\(${id}\\)`, 'm'));

    const { job } = JSON.parse((await run(['show', id, '--json'], data, dir)).stdout) as ShownJob;
    expect(job.state).toBe('interrupted');
    expect(job.error!.message).toBe('server stopped');
    // The items cut off are not cancelled: like those never started, they are left for a resume.
    expect(job.items).toMatchObject({ succeeded: 0, failed: 0, cancelled: 0 });
    expect(markerCounts(markers).size).toBe(0);
  }, 120_000);
});
