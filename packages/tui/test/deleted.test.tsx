// Jobs deleted elsewhere (another terminal, the dashboard) leave the TUI's list
// on the `deleted` event: one job by id, a clear, and a clear too large to list
// its ids, which names a time instead.
import { DELETED_IDS_MAX, type JobClient, type JobSnapshot, type JobsView } from '@threadline/core/client';
import { until } from '@threadline/testing';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { tuiJobsView } from '../src/state/view.js';
import { App } from '../src/ui/App.js';
import { startEngine } from './helpers/engine.js';
import { pushClient } from './helpers/push-client.js';
import { snapshot } from './helpers/snapshot.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function show(client: JobClient): { view: JobsView; frame: () => string } {
  const view = tuiJobsView(client);
  const app = render(<App client={client} view={view} local where="test engine" />);
  cleanups.push(
    () => app.unmount(),
    () => view.close(),
  );
  return { view, frame: () => app.lastFrame() ?? '' };
}

/** Whether a frame shows the job's row: its name, then the end of its id. */
const shows = (frame: string, job: JobSnapshot) =>
  new RegExp(`${job.name.replace('.', '\\.')}\\s+${job.id.slice(-4)}\\b`).test(frame);

describe('deleted jobs in the TUI', () => {
  it('drops a job deleted by another client, then every job a clear took', async () => {
    const { engine, stop } = await startEngine();
    cleanups.push(stop);
    const finished = async () => {
      const job = await engine.start('demo.sleep', { items: 1, ms: 1 });
      return engine.waitFor(job.id);
    };
    const [a, b, c] = [await finished(), await finished(), await finished()];
    const { frame } = show(engine);
    await until(
      () => [a, b, c].every((job) => shows(frame(), job)),
      () => `three rows; last frame:\n${frame()}`,
    );

    // Another client of the same engine: the TUI hears of it only through the event stream.
    await engine.delete(b.id);
    await until(
      () => !shows(frame(), b) && shows(frame(), a),
      () => `${b.id} gone, ${a.id} kept; last frame:\n${frame()}`,
    );
    expect(shows(frame(), c)).toBe(true);

    expect(await engine.clearFinished()).toEqual({ deleted: 2 });
    await until(
      () => !shows(frame(), a) && !shows(frame(), c),
      () => `every row gone; last frame:\n${frame()}`,
    );
  });

  it('drops the finished jobs a clear too large to list finished before, and keeps the rest', async () => {
    const old = snapshot({ state: 'succeeded', finishedAt: 5_000 });
    const later = snapshot({ state: 'failed', finishedAt: 9_000 });
    const running = snapshot({ state: 'running' });
    const { client, push } = pushClient([old, later, running]);
    const { view, frame } = show(client);
    await until(
      () => [old, later, running].every((job) => shows(frame(), job)),
      () => `three rows; last frame:\n${frame()}`,
    );
    push({
      seq: 1,
      at: 10_000,
      jobId: '',
      type: 'deleted',
      jobIds: null,
      finishedBefore: 6_000,
      count: DELETED_IDS_MAX + 1,
    });
    await until(
      () => !shows(frame(), old),
      () => `${old.id} gone; last frame:\n${frame()}`,
    );
    expect(shows(frame(), later)).toBe(true);
    expect(shows(frame(), running)).toBe(true);
    expect(view.isDeleted(old)).toBe(true);
    // A read that crossed the clear cannot bring the job back.
    view.put([old]);
    await until(
      () => view.getSnapshot().jobs.length === 2,
      () => 'two jobs held',
    );
    expect(view.get(old.id)).toBeUndefined();
  });
});
