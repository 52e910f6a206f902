// A schedule outlives its server: `threadline serve` (runServe in a process of
// its own, as the CLI mounts it) is stopped with SIGTERM and started again on
// the same data directory, and the schedule is listed again and runs on.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { JobClient } from '@threadline/core';
import { freePort, stopChild, until, waitForLine } from '@threadline/testing';
import { createTrpcClient, readDataDirToken } from '@threadline/trpc';
import { describe, expect, it } from 'vitest';
import { onCleanup, tempDir } from './helpers.js';

const SERVE_MAIN = fileURLToPath(new URL('./fixtures/serve-main.ts', import.meta.url));

interface Served {
  child: ChildProcess;
  output: () => string;
}

/** Starts the server on `port` over `dataDir`; resolves once it says it is serving. */
async function startServe(dataDir: string, port: number): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVE_MAIN, '--port', String(port), '--data-dir', dataDir, '--pool-size', '1'],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
  );
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  onCleanup(() => stopChild(child, 2000));
  await waitForLine(child, /^Threadline is serving /, 'threadline serve');
  return { child, output: () => output };
}

/** Stops it as a service manager does, and expects a clean exit. */
async function stop(served: Served): Promise<void> {
  served.child.kill('SIGTERM');
  await until(
    () => served.child.exitCode !== null || served.child.signalCode !== null,
    'serve to exit',
    20_000,
  );
  expect({ code: served.child.exitCode, output: served.output() }).toMatchObject({
    code: 0,
    output: expect.stringMatching(/^stopped/m),
  });
}

const state = async (api: JobClient, id: string) => (await api.get(id))?.state;

describe('a schedule across a restart of threadline serve', () => {
  it('is listed again with its waiting run, which runs when due and queues the next', async () => {
    const dataDir = tempDir();
    const port = await freePort();
    const first = await startServe(dataDir, port);
    // The local user's client reads the token serve keeps in the data directory, across restarts.
    const api = createTrpcClient(`http://127.0.0.1:${port}/trpc`, { token: readDataDirToken(dataDir)! });
    onCleanup(() => api.close());
    const run1 = await api.start('demo.sleep', { items: 2, ms: 10 }, { every: '2s' });
    const schedule = await until(
      async () => (await api.schedules()).find((s) => s.lastJobId !== run1.id),
      'the first run to end and the next to be queued',
      20_000,
    );
    expect(schedule).toMatchObject({ id: run1.scheduleId, every: '2s', paused: false });
    expect(await state(api, run1.id)).toBe('succeeded');
    const waiting = schedule.lastJobId!;
    expect(await state(api, waiting)).toBe('queued');
    await stop(first);
    // Kept, not interrupted: a schedule's next run is not lost work.
    expect(first.output()).not.toMatch(/interrupted/);

    const restartedAt = Date.now();
    await startServe(dataDir, port);
    expect((await api.schedules()).map((s) => s.id)).toEqual([schedule.id]);
    // The run that waited runs in the new server, when due (now, if its time passed meanwhile).
    await until(async () => (await state(api, waiting)) === 'succeeded', 'the waiting run to run', 20_000);
    const ran = (await api.get(waiting))!;
    expect(ran.scheduleId).toBe(schedule.id);
    expect(ran.startedAt!).toBeGreaterThanOrEqual(Math.max(restartedAt, schedule.nextRunAt!));
    // And the schedule goes on: its next run is queued, due a period after this one started.
    const after = await until(
      async () => (await api.schedules()).find((s) => s.lastJobId !== waiting),
      'the run after it to be queued',
    );
    expect(after.nextRunAt!).toBeGreaterThanOrEqual(ran.startedAt! + 2000);
    await api.removeSchedule(schedule.id);
  });
});
