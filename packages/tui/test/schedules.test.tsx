// The schedules screen: `s` lists the schedules of periodic jobs with their next
// run counting down and how their last finished run ended, `p` pauses and resumes, `x` removes after a confirm; the
// list is read again when a run of a schedule is queued, starts or ends, not on
// a timer.

import { stripVTControlCharacters } from 'node:util';
import type { Engine, JobClient } from '@threadline/core';
import { formatNextRun, type JobState, type JobsView, type ScheduleInfo } from '@threadline/core/client';
import { until } from '@threadline/testing';
import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tuiJobsView } from '../src/state/view.js';
import { App } from '../src/ui/App.js';
import { ScheduleRow, scheduleLayout } from '../src/ui/ScheduleRow.js';
import { startEngine, type TestEngine } from './helpers/engine.js';

const ESC = '\u001b';

let test: TestEngine;
let engine: Engine;
let app: ReturnType<typeof render> | undefined;
let view: JobsView | undefined;
/** How many times the app asked for the schedules, and how many answers it had. */
let listings = 0;
let answered = 0;

beforeEach(async () => {
  test = await startEngine();
  engine = test.engine;
  listings = 0;
  answered = 0;
});

afterEach(async () => {
  app?.unmount();
  app = undefined;
  view?.close();
  view = undefined;
  await test.stop();
});

/** The engine, counting its schedules() calls: the real one answers every call. */
function counted(real: Engine): JobClient {
  return new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'schedules') {
        return async () => {
          listings += 1;
          try {
            return await target.schedules();
          } finally {
            answered += 1;
          }
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function show() {
  const client = counted(engine);
  view = tuiJobsView(client);
  app = render(<App client={client} view={view} local where="test engine" />);
  return app;
}

const frame = () => app?.lastFrame() ?? '';
/** No listing is out. */
const settled = () => until(() => answered === listings, 'the listing to be answered');
const see = (text: string | RegExp, timeoutMs?: number) =>
  until(
    () => (typeof text === 'string' ? frame().includes(text) : text.test(frame())) && frame(),
    () => `"${text}" on screen; last frame:\n${frame()}`,
    timeoutMs,
  );
/** The footer: the last line drawn. */
const footer = () => frame().trimEnd().split('\n').at(-1) ?? '';
/** The status line, above the footer. */
const status = () => frame().trimEnd().split('\n').at(-2) ?? '';

/** A schedule of demo.sleep every hour, once its first run has ended and the next one waits. */
async function hourly(input: object = { items: 2, ms: 0 }): Promise<ScheduleInfo> {
  const first = await engine.start('demo.sleep', input, { every: '1h' });
  await engine.waitFor(first.id);
  return until(
    async () => (await engine.schedules()).find((s) => s.lastJobId !== first.id),
    'the next run to be queued',
  );
}

describe('the schedules screen', () => {
  it('lists a schedule with its next run counting down, pauses and resumes it with p, and removes it with x after a confirm', async () => {
    const schedule = await hourly();
    const { stdin } = show();
    await see(/demo\.sleep\s+\w{4} succeeded/);
    expect(footer()).toMatch(/s schedules\s+\? help\s+q quit/);

    stdin.write('s');
    await see(/JOB\s+EVERY\s+NEXT RUN\s+LAST RUN\s+LATEST RUN/);
    // The first run ended succeeded: the last run; the one waiting its hour: the latest.
    expect(schedule.lastFinished?.state).toBe('succeeded');
    const row = new RegExp(
      // The clock beside the countdown shows only when it fits 22 columns: "10:31:17 PM" does not.
      `▶ demo\\.sleep\\s+1h\\s+in 59m(\\d\\d)s(?: · \\S.*)?\\s+succeeded · (just now|\\d+s ago)\\s+${schedule.lastJobId} queued`,
    );
    const before = Number(row.exec(await see(row))![1]);
    // The countdown moves on its own, a second at a time, with nothing listed again.
    const calls = listings;
    await until(() => {
      const now = row.exec(frame());
      return now !== null && Number(now[1]) < before;
    }, 'the countdown to move');
    expect(listings).toBe(calls);
    expect(footer()).toMatch(/esc back\s+p pause\s+x remove\s+↑↓ select/);

    stdin.write('p');
    // The dropped run never ran: it is not shown; the last run is still the first's.
    await see(/▶ demo\.sleep\s+1h\s+paused\s+succeeded · (just now|\d+s ago)\n/);
    await see('Paused demo.sleep every 1h: no runs until p resumes it.');
    expect(footer()).toMatch(/p resume/);
    expect(await engine.schedules()).toMatchObject([{ id: schedule.id, paused: true, nextRunAt: null }]);

    stdin.write('p');
    await see(/Resumed demo\.sleep every 1h: next run in 59m\d\ds\./);
    await see(/▶ demo\.sleep\s+1h\s+in 59m\d\ds .* queued/);
    expect((await engine.schedules())[0]).toMatchObject({ paused: false, nextRunAt: schedule.nextRunAt });

    stdin.write('x');
    await see('Remove schedule demo.sleep every 1h? y remove · n keep (its runs stay)');
    expect(footer()).toMatch(/^ y remove\s+n keep\s*$/);
    stdin.write('n');
    await until(() => !status().includes('Remove schedule'), 'the question to go');
    expect(await engine.schedules()).toHaveLength(1);

    stdin.write('x');
    await see('Remove schedule demo.sleep');
    stdin.write('y');
    await see(`Removed demo.sleep every 1h (${schedule.id}). Its runs stay.`);
    await see('No schedules. Make one with: threadline run <job> --every 5m');
    expect(await engine.schedules()).toEqual([]);

    stdin.write(ESC);
    await see(/NAME\s+ID\s+STATE\s+AGE\s+STARTED\s+PROGRESS/);
    // Its runs: the first, and the two next runs that pause and remove dropped.
    await see(/demo\.sleep\s+\w{4} succeeded/);
    expect((await engine.list()).map((job) => job.state).sort()).toEqual([
      'cancelled',
      'cancelled',
      'succeeded',
    ]);
  });

  it('lists again when a run of a schedule starts or ends, not while it only progresses', async () => {
    const { stdin } = show();
    await see('No jobs yet');
    stdin.write('s');
    await see('No schedules. Make one with');
    const first = await engine.start('demo.sleep', { items: 40, ms: 100 }, { every: '1h' });
    // Its run is queued and starts: listed again, the run shown as running.
    await see(new RegExp(`demo\\.sleep\\s+1h\\s+.*none yet\\s+${first.id} running`));
    await settled();
    const calls = listings;
    const progressed = await until(
      async () => ((await engine.get(first.id))?.progress.done ?? 0) >= 10 && listings,
      'the run to progress',
    );
    expect(progressed).toBe(calls);
    // It ends and the next is queued: listed again, the next run its latest.
    await engine.waitFor(first.id);
    const next = await until(
      async () => (await engine.schedules()).find((s) => s.lastJobId !== first.id)?.lastJobId,
      'the next run',
    );
    await see(new RegExp(`succeeded · (just now|\\d+s ago)\\s+${next} queued`));
    expect(listings).toBeGreaterThan(calls);
  });

  it('drops a schedule removed in another shell, and says so when a key acts on it first', async () => {
    const waiting = await hourly();
    const busy = await engine.start('demo.sleep', { items: 1000, ms: 50 }, { every: '1h' });
    await until(async () => (await engine.get(busy.id))?.state === 'running', 'the busy run to start');
    const { stdin } = show();
    stdin.write('s');
    await see(new RegExp(`▶ demo\\.sleep\\s+1h[^\\n]+${waiting.lastJobId} queued`));
    await see(`${busy.id} running`);
    stdin.write('j');
    await see(new RegExp(`▶ demo\\.sleep\\s+1h[^\\n]+${busy.id} running`));
    await settled();
    // Removed elsewhere while its run goes on, it tells nothing: the key finds out, in the engine's words.
    await engine.removeSchedule(busy.scheduleId!);
    stdin.write('p');
    await see(`Cannot pause: no schedule with id ${busy.scheduleId}`);
    await until(() => !frame().includes(`${busy.id} running`), 'the removed schedule to leave the list');
    // Removed elsewhere with its next run waiting: that run's end lists the schedules again.
    await engine.removeSchedule(waiting.id);
    await see('No schedules. Make one with');
    await engine.cancel(busy.id, { force: true });
  });

  it('goes back to the jobs with esc or q, and quits from there with q', async () => {
    const { stdin } = show();
    await see('● live');
    stdin.write('s');
    await see('No schedules.');
    expect(footer()).toMatch(/^ esc back\s+↑↓ select\s*$/);
    stdin.write('q');
    await see('No jobs yet');
    stdin.write('s');
    await see('No schedules.');
    stdin.write(ESC);
    await see('No jobs yet');
    // Keys in one burst (a paste, tmux send-keys) reach the screen the first one opened.
    stdin.write('sq');
    await see('No jobs yet');
    expect(frame()).not.toContain('No schedules');
    stdin.write('q');
    await until(() => stdin.listenerCount('readable') === 0, 'the app to exit');
  });
});

describe('quitting with schedules', () => {
  it('quits at once when only a schedule’s next run waits: that run is kept for the next engine, not cancelled', async () => {
    const schedule = await hourly();
    const { stdin } = show();
    await see(/demo\.sleep\s+\w{4} queued\s+.*waits until/);
    stdin.write('q');
    await until(
      () => stdin.listenerCount('readable') === 0,
      () => `the app to exit; saw:\n${frame()}`,
    );
    expect(frame()).not.toContain('Cancel and quit?');
    expect(await engine.schedules()).toMatchObject([
      { id: schedule.id, paused: false, lastJobId: schedule.lastJobId },
    ]);
    expect((await engine.get(schedule.lastJobId!))?.state).toBe('queued');
  });

  it('still asks for the jobs that run, and cancels only those', async () => {
    const schedule = await hourly();
    const job = await engine.start('demo.sleep', { items: 1000, ms: 100 });
    const { stdin } = show();
    await see(/demo\.sleep\s+\w{4} running/);
    stdin.write('q');
    await see('1 job is still running here. Cancel and quit?');
    stdin.write('y');
    await until(() => stdin.listenerCount('readable') === 0, 'the app to exit');
    expect((await engine.get(job.id))?.state).toBe('cancelled');
    expect((await engine.get(schedule.lastJobId!))?.state).toBe('queued');
    expect(await engine.schedules()).toHaveLength(1);
  });
});

describe('a schedule row', () => {
  const now = new Date(2025, 2, 4, 12, 0, 0).getTime();
  const schedule: ScheduleInfo = {
    id: 's_test1',
    name: 'feeds.fetch',
    title: 'Fetch feeds',
    input: {},
    every: '5m',
    paused: false,
    nextRunAt: now + 252_000,
    lastJobId: 'j_mx4p0a1b2c3d4e5f',
    lastFinished: {
      jobId: 'j_mx4ozz1b2c3d4e5f',
      state: 'partial',
      finishedAt: now - 125_000,
      items: { succeeded: 1, failed: 1, cancelled: 0 },
    },
    createdAt: now - 600_000,
  };
  const line = (s: ScheduleInfo, columns: number, latest?: JobState) =>
    stripVTControlCharacters(
      renderToString(
        <ScheduleRow
          schedule={s}
          latestState={latest}
          selected={false}
          now={now}
          layout={scheduleLayout(columns)}
        />,
        { columns },
      ),
    );
  const clock = new Date(now + 252_000).toLocaleTimeString();

  it('reads job, period, countdown with the time, and how the last run ended and when within 80 columns', () => {
    const text = line(schedule, 80, 'queued');
    const next = `in 4m12s · ${clock}`.padEnd(scheduleLayout(80).next);
    expect(text).toBe(`  feeds.fetch      5m     ${next} partial · 2m ago`);
    expect(text.length).toBeLessThanOrEqual(80);
    expect(line({ ...schedule, lastFinished: null }, 80, 'queued')).toBe(
      `  feeds.fetch      5m     ${next} none yet`,
    );
  });

  it('adds the latest run with its state from 100 columns, unless it ended (a run a pause dropped)', () => {
    const text = line(schedule, 100, 'queued');
    expect(text).toBe(
      `  feeds.fetch      5m     ${`in 4m12s · ${clock}`.padEnd(22)} ${'partial · 2m ago'.padEnd(21)} j_mx4p0a1b2c3d4e5f queued`,
    );
    expect(text.length).toBeLessThanOrEqual(100);
    expect(line(schedule, 100, 'cancelled')).toMatch(/partial · 2m ago$/);
    // The last finished run is the latest when no next one is queued.
    expect(line({ ...schedule, lastJobId: schedule.lastFinished!.jobId }, 100, 'partial')).toMatch(
      /partial · 2m ago$/,
    );
  });

  it('shows the title on a wide terminal, and paused instead of a countdown', () => {
    const text = line({ ...schedule, paused: true, nextRunAt: null }, 140);
    const layout = scheduleLayout(140);
    expect(layout.title).toBeGreaterThanOrEqual(12);
    expect(text).toBe(
      [
        `  ${'feeds.fetch'.padEnd(layout.name)}`,
        'Fetch feeds'.padEnd(layout.title),
        '5m'.padEnd(layout.every),
        'paused'.padEnd(layout.next),
        'partial · 2m ago'.padEnd(layout.last),
        'j_mx4p0a1b2c3d4e5f',
      ].join(' '),
    );
    expect(text.length).toBeLessThanOrEqual(140);
  });

  it('counts down to due now, and a run more than a day off reads its date', () => {
    expect(formatNextRun({ paused: false, nextRunAt: now + 400 }, now)).toBe('due now');
    expect(formatNextRun({ paused: false, nextRunAt: now + 65_000 }, now)).toBe('in 1m05s');
    const later = now + 2 * 86_400_000;
    expect(line({ ...schedule, nextRunAt: later }, 140)).toContain(
      `in 48h00m · ${new Date(later).toLocaleString()}`,
    );
  });
});
