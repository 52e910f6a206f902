// The contract's schedule tests: a periodic job's schedule listed with its
// next run (a queued job of its own), removed, paused and resumed, and an
// unknown id refused with NotFoundError across the transport, and how its last
// run that ran ended (not its waiting run's state). A backend that
// cannot pause yet is held to a refusal that leaves its runs going on.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type JobClient,
  type JobSnapshot,
  NotFoundError,
  type ScheduleInfo,
  ValidationError,
} from '@threadline/core';
import { tempDir, until } from '@threadline/testing';
import { expect, it, onTestFinished } from 'vitest';
import { eventsOf, expectConsistentStream, finished } from './events.js';
import { expectRefusal } from './resume.js';
import type { Backend } from './suite.js';

const HOUR = 3_600_000;

/**
 * Starts a job every hour and waits for its first run to end and the next to be queued: the
 * schedule, the first run as it ended, and the waiting run.
 */
async function hourly(client: JobClient) {
  const first = await client.start('contract.count', { n: 1 }, { every: '1h' });
  expect(first.scheduleId).toMatch(/^s_/);
  const done = await finished(client, first.id);
  expect(done.state).toBe('succeeded');
  const schedule = await until(
    async () => (await client.schedules()).find((s) => s.lastJobId !== first.id),
    'the next run queued',
  );
  const waiting = (await client.get(schedule.lastJobId!))!;
  return { first: done, schedule, waiting };
}

/** What a schedule says of a run of it that finished. */
function outcomeOf(run: JobSnapshot): ScheduleInfo['lastFinished'] {
  const { succeeded, failed, cancelled } = run.items;
  return {
    jobId: run.id,
    state: run.state,
    finishedAt: run.finishedAt!,
    items: { succeeded, failed, cancelled },
  };
}

/** The run's whole stream is consistent and ends cancelled, as a dropped waiting run does. */
async function expectDropped(client: JobClient, run: JobSnapshot): Promise<void> {
  expect(expectConsistentStream(await eventsOf(client, run.id))).toMatchObject({ state: 'cancelled' });
  expect(await client.get(run.id)).toMatchObject({ state: 'cancelled', scheduleId: run.scheduleId });
}

export function scheduleContract(open: () => Promise<Backend>, options: { pause: boolean }): void {
  it('lists a schedule with its job, period and next run: a queued job due a period after the last started', async () => {
    const { client } = await open();
    const { first, schedule, waiting } = await hourly(client);
    expect(schedule).toMatchObject({
      id: first.scheduleId!,
      name: 'contract.count',
      title: 'Count (contract)',
      input: first.input,
      every: '1h',
      paused: false,
    } satisfies Partial<ScheduleInfo>);
    expect(schedule.createdAt).toBeLessThanOrEqual(first.createdAt);
    expect(schedule.createdAt).toBeGreaterThan(first.createdAt - 5000);
    expect(waiting).toMatchObject({ state: 'queued', scheduleId: first.scheduleId, input: first.input });
    expect(waiting.runAt).toBe(first.startedAt! + HOUR);
    expect(schedule.nextRunAt).toBe(waiting.runAt);
    expect(schedule.lastFinished).toEqual(outcomeOf(first));
    await client.removeSchedule(schedule.id);
  });

  it("names a schedule's last run that finished and how it ended, while its next run waits: succeeded, then partial", async () => {
    const { client } = await open();
    const dir = tempDir('contract-schedule');
    onTestFinished(dir.remove);
    // Item 1 fails once this file is gone: the first run succeeds, a later one is partial.
    const fixed = join(dir.path, 'fixed');
    writeFileSync(fixed, '');
    const first = await client.start(
      'contract.count',
      { n: 2, failOn: [1], failUntil: fixed },
      { every: '3s' },
    );
    const succeeded = await finished(client, first.id);
    rmSync(fixed);
    expect(succeeded.state).toBe('succeeded');
    const after = await until(
      async () => (await client.schedules()).find((s) => s.lastFinished?.jobId === first.id),
      'the first run as the last finished',
    );
    expect(after.lastFinished).toEqual(outcomeOf(succeeded));

    // A run can start before the file went (a loaded machine): wait for the partial one.
    const failing = await until(
      async () =>
        (await client.schedules()).find(
          (s) => s.lastFinished?.state === 'partial' && s.lastJobId !== s.lastFinished.jobId,
        ),
      'a partial run as the last finished, and the next run queued',
      30_000,
    );
    const run = (await client.get(failing.lastFinished!.jobId))!;
    expect(run).toMatchObject({ state: 'partial', scheduleId: first.scheduleId });
    expect(run.createdAt).toBeGreaterThan(first.createdAt);
    expect(failing.lastFinished).toEqual(outcomeOf(run));
    expect(failing.lastFinished!.items).toEqual({ succeeded: 1, failed: 1, cancelled: 0 });
    expect((await client.get(failing.lastJobId!))!.state).toMatch(/^(queued|running)$/);
    await client.removeSchedule(first.scheduleId!);
  });

  it('removes a schedule: it is no longer listed, its waiting run is dropped and no other is queued', async () => {
    const { client } = await open();
    const { first, schedule, waiting } = await hourly(client);
    await client.removeSchedule(schedule.id);
    expect(await client.schedules()).toEqual([]);
    await expectDropped(client, waiting);
    expect((await client.list({})).map((job) => job.id)).toEqual([waiting.id, first.id]);
    await expectRefusal(client.removeSchedule(schedule.id), NotFoundError, 'NOT_FOUND', /no schedule/);
  });

  it('removes the schedule of a run that is cancelled', async () => {
    const { client } = await open();
    const { schedule, waiting } = await hourly(client);
    await client.cancel(waiting.id);
    await expectDropped(client, waiting);
    expect((await client.schedules()).map((s) => s.id)).not.toContain(schedule.id);
  });

  it('refuses an unknown schedule id with a NotFoundError naming it', async () => {
    const { client } = await open();
    await expectRefusal(client.pauseSchedule('s_nope'), NotFoundError, 'NOT_FOUND', /s_nope/);
    await expectRefusal(client.resumeSchedule('s_nope'), NotFoundError, 'NOT_FOUND', /s_nope/);
    await expectRefusal(client.removeSchedule('s_nope'), NotFoundError, 'NOT_FOUND', /s_nope/);
  });

  if (options.pause) {
    it('pauses a schedule: its waiting run is dropped and it has no next run; resuming queues one', async () => {
      const { client } = await open();
      const { first, schedule, waiting } = await hourly(client);
      const paused = await client.pauseSchedule(schedule.id);
      expect(paused).toMatchObject({ id: schedule.id, paused: true, nextRunAt: null });
      // The dropped waiting run never ran: the last outcome is still the first run's.
      expect(paused.lastFinished).toEqual(outcomeOf(first));
      expect(await client.schedules()).toEqual([paused]);
      await expectDropped(client, waiting);
      // Pausing twice changes nothing.
      expect(await client.pauseSchedule(schedule.id)).toEqual(paused);

      const resumed = await client.resumeSchedule(schedule.id);
      // Due a period after the last run started, as if it had never been paused.
      expect(resumed).toMatchObject({ paused: false, nextRunAt: first.startedAt! + HOUR });
      expect(resumed.lastJobId).not.toBe(waiting.id);
      expect(await client.get(resumed.lastJobId!)).toMatchObject({
        state: 'queued',
        scheduleId: schedule.id,
        runAt: resumed.nextRunAt,
      });
      expect(await client.schedules()).toEqual([resumed]);
      await client.removeSchedule(schedule.id);
    });
  } else {
    it('refuses to pause or resume a schedule with a ValidationError saying so, and its runs go on', async () => {
      const { client } = await open();
      const { schedule, waiting } = await hourly(client);
      await expectRefusal(
        client.pauseSchedule(schedule.id),
        ValidationError,
        'VALIDATION',
        /pausing a schedule is not available/,
      );
      await expectRefusal(
        client.resumeSchedule(schedule.id),
        ValidationError,
        'VALIDATION',
        /resuming a schedule is not available/,
      );
      expect(await client.schedules()).toEqual([schedule]);
      expect((await client.get(waiting.id))!.state).toBe('queued');
      await client.removeSchedule(schedule.id);
    });
  }
}
