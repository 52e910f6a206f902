import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyEvent,
  barFraction,
  type EventsOptions,
  formatBar,
  formatPercent,
  formatProgressLine,
  type JobClient,
  type JobEvent,
  type JobSnapshot,
  type JobsView,
  type JobsViewOptions,
  type JobsViewState,
  jobsView,
  mergeJob,
} from '../src/client/index.js';
import type { Engine } from '../src/engine/types.js';
import { collect, openEngine } from './helpers.js';

const views: JobsView[] = [];
afterEach(() => {
  for (const view of views.splice(0)) view.close();
});

function view(client: JobClient, options: JobsViewOptions = {}): JobsView {
  const made = jobsView(client, options);
  views.push(made);
  return made;
}

async function until<T>(check: () => T | false | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Waits until the view's notified state shows `jobId` finished; returns that snapshot. */
const finishedIn = (jobs: JobsView, jobId: string) =>
  until(
    () => jobs.getSnapshot().finished.find((job) => job.id === jobId),
    `job ${jobId} finished in the view`,
  );

/** The engine as another client: every call goes to it, `events()` through `wrap`. */
function through(
  engine: Engine,
  wrap: (events: AsyncIterable<JobEvent>, options: EventsOptions, call: number) => AsyncIterable<JobEvent>,
): JobClient & { calls: EventsOptions[] } {
  const calls: EventsOptions[] = [];
  return {
    calls,
    definitions: () => engine.definitions(),
    start: (name, input, options) => engine.start(name, input, options),
    cancel: (id, options) => engine.cancel(id, options),
    resume: (id) => engine.resume(id),
    get: (id) => engine.get(id),
    details: (id) => engine.details(id),
    list: (filter) => engine.list(filter),
    schedules: () => engine.schedules(),
    pauseSchedule: (id) => engine.pauseSchedule(id),
    resumeSchedule: (id) => engine.resumeSchedule(id),
    removeSchedule: (id) => engine.removeSchedule(id),
    events: (options = {}) => {
      calls.push(options);
      return wrap(engine.events(options), options, calls.length);
    },
    close: async () => {},
  };
}

describe('the event reducer', () => {
  it('marks a held job resumed when its resume is queued', async () => {
    const engine = await openEngine();
    const old = await engine.waitFor((await engine.start('test.count', { n: 3, failOn: [1] })).id);
    const jobs = new Map([[old.id, old]]);
    const resumed = await engine.resume(old.id);
    const queued = (await collect(engine, resumed.id, (e) => e.type === 'queued'))[0]!;
    expect(applyEvent(jobs, queued)).toBe(true);
    expect(jobs.get(old.id)!.resumedAs).toBe(resumed.id);
    expect(jobs.get(resumed.id)!.resumeOf).toBe(old.id);
  });

  it('folds a real job’s events, from nothing, into the snapshot the engine ends with', async () => {
    const engine = await openEngine();
    const job = await engine.start('test.count', { n: 40, failOn: [3, 9] });
    const done = await engine.waitFor(job.id);
    const jobs = new Map<string, JobSnapshot>();
    for (const event of await collect(engine, job.id)) expect(applyEvent(jobs, event)).toBe(true);

    const folded = jobs.get(job.id)!;
    expect(folded).toMatchObject({
      id: job.id,
      state: 'partial',
      items: done.items,
      summary: done.summary,
      error: done.error,
      input: done.input,
    });
    expect(folded.error!.message).toMatch(/^2 of 40 items failed; first: item (3|9) is bad$/);
    expect(folded.items).toEqual({ total: 40, succeeded: 38, failed: 2, cancelled: 0 });
    expect(folded.progress.done).toBe(done.progress.done);
    expect(Math.abs(folded.startedAt! - done.startedAt!)).toBeLessThan(50);
    expect(Math.abs(folded.finishedAt! - done.finishedAt!)).toBeLessThan(50);
  });

  it('reports an event of a job it does not hold, and replaces nothing an event changes nothing in', async () => {
    const engine = await openEngine();
    const job = await engine.start('test.count', { n: 3 });
    await engine.waitFor(job.id);
    const events = await collect(engine, job.id);
    const jobs = new Map<string, JobSnapshot>();
    expect(applyEvent(jobs, events.find((e) => e.type === 'started')!)).toBe(false);
    expect(jobs.size).toBe(0);
    applyEvent(jobs, events[0]!);
    const queued = jobs.get(job.id)!;
    applyEvent(jobs, { seq: 0, at: 0, jobId: job.id, type: 'log', level: 'info', message: 'hi', item: null });
    expect(jobs.get(job.id)).toBe(queued);
  });

  it('never lets an older snapshot undo a newer state, nor progress go back', async () => {
    const engine = await openEngine();
    const queued = await engine.start('test.count', { n: 5 });
    const done = await engine.waitFor(queued.id);
    expect(mergeJob(done, queued)).toBe(done);
    expect(mergeJob(queued, done)).toBe(done);
    const ahead = { ...queued, state: 'running' as const, progress: { ...queued.progress, done: 4 } };
    const behind = { ...ahead, progress: { ...ahead.progress, done: 2 }, title: 'newer read' };
    expect(mergeJob(ahead, behind)).toMatchObject({ title: 'newer read', progress: { done: 4 } });
  });
});

describe('the formatter’s bar', () => {
  it('draws a fraction as cells, and a job’s bar as its progress or, once stopped, its share of items that succeeded', () => {
    expect(formatBar(0.3, 12)).toBe('████░░░░░░░░');
    expect(formatBar(null, 4)).toBe('░░░░');
    expect(formatBar(2, 3)).toBe('███');
    expect(formatBar(0.5, 0)).toBe('');
    // Full only at 1: 39 of 40 is not a full bar, nor 100%.
    expect(formatBar(0.99, 20)).toBe(`${'█'.repeat(19)}░`);
    expect(formatPercent(0.3)).toBe('30.0%');
    expect(formatPercent(0.9996)).toBe('99.9%');
    expect(formatPercent(1)).toBe('100.0%');
    const progress = { done: 12, total: 40, fraction: 0.3, rate: 3.14, eta: 9, message: null };
    expect(formatProgressLine(progress, 'files')).toBe('12/40 files (30.0%) 3.1/s eta 9s');
    const items = { total: 40, succeeded: 10, failed: 2, cancelled: 28 };
    expect(barFraction({ state: 'running', items, progress })).toBe(0.3);
    expect(barFraction({ state: 'cancelled', items, progress })).toBe(0.25);
    expect(barFraction({ state: 'succeeded', items, progress })).toBe(1);
    // Every item ran, some failed: short of full, and so are a cancel and a failure with nothing to do.
    const ran = { done: 12, total: 12, fraction: 1, rate: null, eta: 0, message: null };
    const partial = { total: 12, succeeded: 8, failed: 4, cancelled: 0 };
    expect(barFraction({ state: 'partial', items: partial, progress: ran })).toBeCloseTo(8 / 12, 10);
    const late = { total: 3, succeeded: 3, failed: 0, cancelled: 0 };
    expect(barFraction({ state: 'cancelled', items: late, progress: ran })).toBeLessThan(1);
    const none = { total: 0, succeeded: 0, failed: 0, cancelled: 0 };
    expect(barFraction({ state: 'failed', items: none, progress: ran })).toBe(0);
  });
});

describe('jobsView', () => {
  it('lists what exists, then follows new jobs to their end', async () => {
    const engine = await openEngine();
    const before = await engine.start('test.count', { n: 5 });
    await engine.waitFor(before.id);
    const jobs = view(engine);
    await until(() => jobs.getSnapshot().loaded, 'the listing');
    expect(jobs.getSnapshot()).toMatchObject({ connection: 'live', error: null, finishedComplete: true });
    expect(jobs.getSnapshot().finished.map((job) => job.id)).toEqual([before.id]);

    const after = await engine.start('test.count', { n: 200, failOn: [7], ms: 5 });
    await until(() => jobs.getSnapshot().active.some((job) => job.id === after.id), 'the new job active');
    const done = await engine.waitFor(after.id);
    const shown = await finishedIn(jobs, after.id);
    expect(shown).toMatchObject({ state: 'partial', items: done.items, summary: done.summary });
    expect(jobs.getSnapshot().active).toEqual([]);
    expect(jobs.getSnapshot().jobs.map((job) => job.id)).toEqual([after.id, before.id]);
    expect(jobs.get(after.id)).toBe(shown);
  });

  it('tells listeners about 10 times a second while events pour in, with the same state in between', async () => {
    const engine = await openEngine();
    const jobs = view(engine, { intervalMs: 100 });
    await until(() => jobs.getSnapshot().loaded, 'the listing');
    const job = await engine.start('test.count', { n: 1_000_000 });
    await until(() => (jobs.get(job.id)?.progress.done ?? 0) > 0, 'progress');
    let notified = 0;
    jobs.subscribe(() => {
      notified += 1;
    });
    let events = 0;
    const counting = new AbortController();
    void (async () => {
      for await (const _ of engine.events({ signal: counting.signal })) events += 1;
    })();
    const state = jobs.getSnapshot();
    expect(jobs.getSnapshot()).toBe(state);
    const started = Date.now();
    // Succeeded items come as one `items` event a tick, about 10 a second: waiting for 15 of them
    // rather than for a fixed time keeps a loaded machine from failing the count.
    await until(() => events >= 15, 'fifteen events', 30_000);
    const seconds = (Date.now() - started) / 1000;
    counting.abort();
    await engine.cancel(job.id, { force: true });
    expect(notified).toBeGreaterThanOrEqual(1);
    expect(notified).toBeLessThanOrEqual(Math.ceil(seconds * 10) + 1);
    expect(jobs.getSnapshot()).not.toBe(state);
  });

  it('resumes a broken stream from the last event it saw: nothing missed, nothing counted twice', async () => {
    const engine = await openEngine();
    const delivered: JobEvent[] = [];
    // The first two streams break after 25 events each. Finished events are held back,
    // so the counts the view ends with are its own sums of item events.
    const client = through(engine, (events, _options, call) =>
      (async function* () {
        let count = 0;
        for await (const event of events) {
          if (event.type === 'finished') continue;
          delivered.push(event);
          yield event;
          if (++count === 25 && call <= 2) throw new Error(`connection ${call} lost`);
        }
      })(),
    );
    const states: JobsViewState['connection'][] = [];
    // Longer than the notification interval, so listeners see the view reconnecting.
    const jobs = view(client, { retryMs: 300 });
    jobs.subscribe(() => states.push(jobs.getSnapshot().connection));
    await until(() => jobs.getSnapshot().loaded, 'the listing');
    // Every third item fails: a failed item is an event of its own, so the stream is long enough to break.
    const failOn = Array.from({ length: 100 }, (_, i) => i * 3);
    const job = await engine.start('test.count', { n: 300, failOn });
    const done = await engine.waitFor(job.id);
    const ran = (job: JobSnapshot | undefined) => (job ? job.items.succeeded + job.items.failed : 0);
    await until(() => ran(jobs.getSnapshot().jobs.find((j) => j.id === job.id)) >= 300, 'every item');
    expect(jobs.get(job.id)!.items).toEqual({ ...done.items, total: null });

    expect(client.calls).toHaveLength(3);
    expect(client.calls[0]!.after).toBeUndefined();
    expect(client.calls[1]!.after).toBe(delivered[24]!.seq);
    expect(client.calls[2]!.after).toBe(delivered[49]!.seq);
    const seqs = delivered.map((event) => event.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    const stored = (await collect(engine, job.id)).filter((e) => e.type !== 'finished');
    expect(delivered.filter((e) => e.jobId === job.id).map((e) => e.seq)).toEqual(stored.map((e) => e.seq));
    expect(states).toContain('reconnecting');
    await until(() => jobs.getSnapshot().connection === 'live', 'live again');
  });

  it('fetches a job whose first events it never saw', async () => {
    const engine = await openEngine();
    const client = through(engine, (events) =>
      (async function* () {
        for await (const event of events) if (event.type !== 'queued') yield event;
      })(),
    );
    const jobs = view(client);
    await until(() => jobs.getSnapshot().loaded, 'the listing');
    const job = await engine.start('test.count', { n: 50, ms: 1 });
    const done = await engine.waitFor(job.id);
    expect((await finishedIn(jobs, job.id)).state).toBe(done.state);
  });

  it('keeps a newer state than a snapshot put later', async () => {
    const engine = await openEngine();
    const jobs = view(engine);
    await until(() => jobs.getSnapshot().loaded, 'the listing');
    const queued = await engine.start('test.count', { n: 2 });
    await engine.waitFor(queued.id);
    await finishedIn(jobs, queued.id);
    jobs.put([queued]);
    expect(jobs.get(queued.id)?.state).toBe('succeeded');
  });

  it('lists finished jobs a page at a time, and forgets the oldest beyond its limit', async () => {
    const engine = await openEngine();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const job = await engine.start('test.count', { n: 1 });
      await engine.waitFor(job.id);
      ids.push(job.id);
    }
    const jobs = view(engine, { pageSize: 2 });
    await until(() => jobs.getSnapshot().loaded, 'the listing');
    expect(jobs.getSnapshot()).toMatchObject({ finishedComplete: false });
    expect(jobs.getSnapshot().finished).toHaveLength(2);
    await jobs.loadMore();
    await until(() => jobs.getSnapshot().finished.length === 4, 'the second page');
    await jobs.loadMore();
    await until(() => jobs.getSnapshot().finishedComplete, 'the last page');
    expect(new Set(jobs.getSnapshot().finished.map((job) => job.id))).toEqual(new Set(ids));

    const small = view(engine, { maxFinished: 3 });
    await until(() => small.getSnapshot().loaded, 'the listing');
    expect(small.getSnapshot().finished).toHaveLength(3);
    expect(small.getSnapshot().finishedComplete).toBe(false);
    expect(small.get(ids[0]!)).toBeUndefined();
  });

  it('stops following and telling when closed', async () => {
    const engine = await openEngine();
    let open = 0;
    const client = through(engine, (events) =>
      (async function* () {
        open += 1;
        try {
          yield* events;
        } finally {
          open -= 1;
        }
      })(),
    );
    const jobs = jobsView(client);
    let notified = 0;
    jobs.subscribe(() => {
      notified += 1;
    });
    await until(() => jobs.getSnapshot().loaded && open === 1, 'the stream');
    jobs.close();
    await until(() => open === 0, 'the stream to close');
    const seen = notified;
    const job = await engine.start('test.count', { n: 3 });
    await engine.waitFor(job.id);
    await new Promise((r) => setTimeout(r, 300));
    expect(notified).toBe(seen);
  });
});

describe('@threadline/core/client', () => {
  it('imports nothing but its own and the protocol’s modules, none of them using Node', () => {
    const entry = fileURLToPath(new URL('../src/client/index.ts', import.meta.url));
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const source = readFileSync(file, 'utf8');
      for (const [, specifier] of source.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'/g)) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\.?\//);
        visit(resolve(dirname(file), specifier!.replace(/\.js$/, '.ts')));
      }
      expect(source, file).not.toMatch(/\bprocess\.|\bBuffer\b|\bNodeJS\.|\brequire\(|import\(/);
    };
    visit(entry);
    const files = [...seen].map((file) => file.slice(file.indexOf('/src/') + 5)).sort();
    expect(files).toEqual([
      'client/apply-event.ts',
      'client/backoff.ts',
      'client/index.ts',
      'client/jobs-view.ts',
      'client/order.ts',
      'client/push-stream.ts',
      'client/ticker.ts',
      'protocol/errors.ts',
      'protocol/format.ts',
      'protocol/items.ts',
      'protocol/typed-client.ts',
      'protocol/types.ts',
    ]);
  });
});
