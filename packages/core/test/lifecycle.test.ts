// A job's record at the edges of its engine's life: a graceful shutdown that
// lets running items finish, what it leaves interrupted, and a resume that
// picks up only what did not succeed.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { IndexSet } from '../src/rules/index-set.js';
import { Store } from '../src/store/store.js';
import { collect, fixture, openEngine, registry, tempDir } from './helpers.js';

const fixturePath = (name: string) => fileURLToPath(fixture(name));

async function reopen(dataDir: string) {
  const engine = await createEngine({ dataDir, registry, poolSize: 2 });
  return engine;
}

describe('shutdown', () => {
  it('lets running items finish, starts no more, and records the job interrupted with the reason', async () => {
    const dataDir = tempDir();
    const engine = await createEngine({ dataDir, registry, poolSize: 2 });
    const job = await engine.start('test.count', { n: 40, ms: 150 });
    const queued = await engine.start('test.count', { n: 1 }, {});
    await new Promise((resolve) => setTimeout(resolve, 400));
    const seen: string[] = [];
    const report = await engine.shutdown({
      reason: 'server stopped',
      drainMs: 5000,
      onDrain: (running) => seen.push(...running.map((j) => j.id)),
    });
    expect(seen).toContain(job.id);
    expect(report.interrupted).toContain(job.id);

    const after = await reopen(dataDir);
    try {
      const stored = (await after.get(job.id))!;
      expect(stored.state).toBe('interrupted');
      expect(stored.error).toEqual({ message: 'server stopped' });
      // The items out on threads finished during the drain: none is failed or cancelled.
      expect(stored.items.failed).toBe(0);
      expect(stored.items.cancelled).toBe(0);
      expect(stored.items.succeeded).toBeGreaterThan(0);
      expect(stored.items.succeeded).toBeLessThan(40);
      const other = (await after.get(queued.id))!;
      expect(['succeeded', 'interrupted']).toContain(other.state);
    } finally {
      await after.close();
    }
  });

  it('stops items that outlast the drain, neither failed nor cancelled: left for a resume', async () => {
    const dataDir = tempDir();
    const engine = await createEngine({ dataDir, registry, poolSize: 1 });
    const job = await engine.start('test.spin', { check: 'never' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = Date.now();
    const report = await engine.shutdown({ drainMs: 200 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(report).toEqual({ drained: [], interrupted: [job.id] });
    const after = await reopen(dataDir);
    try {
      expect(await after.get(job.id)).toMatchObject({
        state: 'interrupted',
        error: { message: 'the engine stopped' },
        // Stopped, not cancelled: left for a resume like the items never started.
        items: { succeeded: 0, failed: 0, cancelled: 0 },
      });
    } finally {
      await after.close();
    }
  });

  it('leaves nothing behind when nothing runs: the process ends with the engine', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixturePath('close-idle'), tempDir()], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const [code] = (await once(child, 'exit')) as [number];
    expect({ code, out }).toEqual({ code: 0, out: 'closed\n' });
  }, 30_000);

  it('records a job that finishes during the drain as it ended, and a second call stops at once', async () => {
    const dataDir = tempDir();
    const engine = await createEngine({ dataDir, registry, poolSize: 2 });
    const short = await engine.start('test.count', { n: 1, ms: 400 });
    const long = await engine.start('test.spin', { check: 'never' });
    while (engine.pool.busyCount < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    const stopping = engine.shutdown({ drainMs: 60_000 });
    expect((await engine.waitFor(short.id)).state).toBe('succeeded');
    const started = Date.now();
    const report = await engine.shutdown({ drainMs: 0 });
    expect(await stopping).toBe(report);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(report.drained).toEqual([short.id]);
    expect(report.interrupted).toEqual([long.id]);
    const after = await reopen(dataDir);
    try {
      expect((await after.get(short.id))!.state).toBe('succeeded');
      expect((await after.get(long.id))!.state).toBe('interrupted');
    } finally {
      await after.close();
    }
  });
});

const markerRegistry = {
  ...registry,
  'test.markers': new URL('./fixtures/markers.ts', import.meta.url).href,
  'test.folder': new URL('./fixtures/folder.ts', import.meta.url).href,
  'test.keyed': new URL('./fixtures/keyed.ts', import.meta.url).href,
};

/** How many times each item's side effect happened, by item. */
function markerCounts(dir: string, n: number): number[] {
  return Array.from({ length: n }, (_, i) => {
    const file = join(dir, String(i));
    return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  });
}

describe('resume', () => {
  it('after a shutdown runs only what did not succeed, and summarize still sees every result', async () => {
    const dataDir = tempDir();
    const dir = tempDir();
    const first = await createEngine({ dataDir, registry: markerRegistry, poolSize: 2 });
    const job = await first.start('test.markers', { dir, n: 60, ms: 20, failOn: [3] });
    while (markerCounts(dir, 60).filter(Boolean).length < 10) await sleep(20);
    await first.shutdown({ drainMs: 0 });

    const second = await createEngine({ dataDir, registry: markerRegistry, poolSize: 2 });
    try {
      const interrupted = (await second.get(job.id))!;
      expect(interrupted.state).toBe('interrupted');
      const resumed = await second.resume(job.id);
      expect(resumed).toMatchObject({ resumeOf: job.id, state: 'queued', input: interrupted.input });
      const done = await second.waitFor(resumed.id);
      // Item 3 fails again: a resume runs what did not succeed, and it still does not.
      expect(done.state).toBe('partial');
      expect(done.items).toEqual({ total: 60, succeeded: 59, failed: 1, cancelled: 0 });
      expect(done.summary).toEqual({ sum: (59 * 60) / 2 - 3, count: 59 });
      // Each side effect happened once: nothing that succeeded before ran again.
      const counts = markerCounts(dir, 60);
      expect(counts.filter((c, i) => i !== 3 && c !== 1)).toEqual([]);
      expect((await second.get(job.id))!.resumedAs).toBe(resumed.id);
      await expect(second.resume(job.id)).rejects.toThrow(/resumed already, as/);
    } finally {
      await second.close();
    }
  });

  it('after kill -9, never runs again an item the record says succeeded', async () => {
    const dataDir = tempDir();
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', fixturePath('crash-markers'), dataDir, dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(child.stdout!, 'data')) as [Buffer];
    const jobId = line.toString().trim();
    while (markerCounts(dir, 400).filter(Boolean).length < 100) await sleep(20);
    child.kill('SIGKILL');
    await once(child, 'exit');
    const before = markerCounts(dir, 400);

    const engine = await createEngine({ dataDir, registry: markerRegistry, poolSize: 2 });
    let recorded: number;
    try {
      const interrupted = (await engine.get(jobId))!;
      expect(interrupted.state).toBe('interrupted');
      recorded = interrupted.items.succeeded;
      expect(recorded).toBeGreaterThan(0);
      const done = await engine.waitFor((await engine.resume(jobId)).id);
      expect(done).toMatchObject({ state: 'succeeded', items: { total: 400, succeeded: 400 } });
      expect(done.summary).toEqual({ sum: (399 * 400) / 2, count: 400 });
    } finally {
      await engine.close();
    }
    const store = new Store(dataDir);
    const succeeded = new IndexSet(store.itemRecord(jobId)!.succeeded);
    store.close();
    expect(succeeded.size).toBe(recorded);
    const after = markerCounts(dir, 400);
    // Recorded as succeeded before the kill: ran exactly once. Every item ran.
    for (let i = 0; i < 400; i++) {
      if (succeeded.has(i)) expect([i, after[i]]).toEqual([i, 1]);
      expect(after[i]).toBeGreaterThanOrEqual(1);
    }
    // Only items whose effect happened but whose record was not yet written (the last tick) ran twice.
    const twice = after.filter((c) => c > 1).length;
    expect(twice).toBeLessThanOrEqual(before.filter(Boolean).length - recorded);
  });

  it('names items by itemKey, so a folder that changed resumes by file, not by position', async () => {
    const dataDir = tempDir();
    const dir = tempDir();
    for (const [name, text] of [
      ['b', 'ok'],
      ['c', 'bad'],
      ['d', 'ok'],
    ])
      writeFileSync(join(dir, name!), text!);
    const engine = await createEngine({ dataDir, registry: markerRegistry, poolSize: 2 });
    try {
      const first = await engine.waitFor((await engine.start('test.folder', { dir })).id);
      expect(first.state).toBe('partial');
      writeFileSync(join(dir, 'c'), 'ok');
      writeFileSync(join(dir, 'a'), 'ok');
      rmSync(join(dir, 'd'));
      const resumed = await engine.resume(first.id);
      const done = await engine.waitFor(resumed.id);
      expect(done).toMatchObject({ state: 'succeeded', items: { total: 3, succeeded: 3, failed: 0 } });
      expect(done.summary).toEqual({ names: ['a', 'b', 'c'] });
      const events = await collect(engine, resumed.id);
      const ran = events
        .filter((e) => e.type === 'items')
        .reduce((n, e) => n + (e.type === 'items' ? e.succeeded : 0), 0);
      expect(ran).toBe(3);
    } finally {
      await engine.close();
    }
  });

  it('gives the items a resume runs, with gaps between them, their own positions and keys', async () => {
    const dataDir = tempDir();
    const dir = tempDir();
    const names = 'abcdefghijkl'.split('');
    const failing = ['b', 'e', 'f', 'j'];
    for (const name of failing) writeFileSync(join(dir, `fail-${name}`), '');
    // One thread: the resume's items after its first go out as one batch, positions 4, 5 and 9.
    const engine = await createEngine({ dataDir, registry: markerRegistry, poolSize: 1 });
    try {
      const first = await engine.waitFor((await engine.start('test.keyed', { dir, names })).id);
      expect(first.items).toMatchObject({ succeeded: 8, failed: 4 });
      for (const name of failing) rmSync(join(dir, `fail-${name}`));
      const resumed = await engine.waitFor((await engine.resume(first.id)).id);
      expect(resumed).toMatchObject({ state: 'succeeded', items: { total: 12, succeeded: 12 } });
      const written = (job: string) =>
        readdirSync(join(dir, 'out'))
          .filter((key) => key.startsWith(`${job}:`))
          .sort()
          .map((key) => [key, readFileSync(join(dir, 'out', key), 'utf8')]);
      expect(written(resumed.id)).toEqual(
        failing.map((name) => {
          const index = names.indexOf(name);
          return [`${resumed.id}:${index}`, `${index} ${name}`];
        }),
      );
      expect(written(first.id)).toHaveLength(8);
    } finally {
      await engine.close();
    }
  });

  it('refuses a job that succeeded or still runs, and an unknown id', async () => {
    const engine = await openEngine();
    const ok = await engine.waitFor((await engine.start('test.count', { n: 2 })).id);
    await expect(engine.resume(ok.id)).rejects.toThrow(/succeeded: nothing to resume/);
    const spinning = await engine.start('test.spin', {});
    await expect(engine.resume(spinning.id)).rejects.toThrow(/can be resumed once it has ended/);
    await expect(engine.resume('j_nope')).rejects.toThrow(/no job with id j_nope/);
  });

  it('resumes interrupted jobs on start when asked to', async () => {
    const dataDir = tempDir();
    const dir = tempDir();
    const first = await createEngine({ dataDir, registry: markerRegistry, poolSize: 1 });
    const job = await first.start('test.markers', { dir, n: 30, ms: 30 });
    while (markerCounts(dir, 30).filter(Boolean).length < 3) await sleep(20);
    await first.shutdown({ drainMs: 0 });
    const second = await createEngine({
      dataDir,
      registry: markerRegistry,
      poolSize: 1,
      resumeInterrupted: true,
    });
    try {
      const resumedAs = (await second.get(job.id))!.resumedAs!;
      expect(resumedAs).toMatch(/^j_/);
      expect((await second.waitFor(resumedAs)).state).toBe('succeeded');
      expect(markerCounts(dir, 30).every((c) => c === 1)).toBe(true);
    } finally {
      await second.close();
    }
  });
});

describe('the store', () => {
  it('keeps no row per succeeded item: 200,000 tiny items are a few kilobytes of events', async () => {
    const engine = await openEngine({ poolSize: 2 });
    const done = await engine.waitFor((await engine.start('test.tiny', { n: 200_000 })).id);
    expect(done.items.succeeded).toBe(200_000);
    const events = await collect(engine, done.id);
    expect(events.length).toBeLessThan(2_000);
    const store = new Store(engine.dataDir);
    try {
      expect(store.itemRecord(done.id)!.succeeded).toEqual([0, 200_000]);
      expect(store.resultKeys(done.id).size).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe('schedules', () => {
  it('outlive the engine: the waiting run waits again, and runs when due', async () => {
    const dataDir = tempDir();
    const first = await createEngine({ dataDir, registry, poolSize: 1 });
    const run1 = await first.start('test.every', { label: 'kept' }, { every: '1s' });
    expect((await first.waitFor(run1.id)).state).toBe('succeeded');
    const [schedule] = await first.schedules();
    expect(schedule).toMatchObject({
      name: 'test.every',
      every: '1s',
      paused: false,
      input: { label: 'kept' },
    });
    const waiting = schedule!.lastJobId!;
    expect(waiting).not.toBe(run1.id);
    await first.close();

    const second = await createEngine({ dataDir, registry, poolSize: 1 });
    try {
      expect((await second.schedules()).map((s) => s.id)).toEqual([schedule!.id]);
      const run2 = await second.waitFor(waiting);
      expect(run2).toMatchObject({
        state: 'succeeded',
        scheduleId: schedule!.id,
        summary: { label: 'kept' },
      });
      const [after] = await second.schedules();
      expect(after!.lastJobId).not.toBe(waiting);
      expect(after!.nextRunAt).toBeGreaterThan(run2.startedAt!);
    } finally {
      await second.close();
    }
  });

  it('run once on start for a run cut short, not once per period missed', async () => {
    const dataDir = tempDir();
    const first = await createEngine({ dataDir, registry, poolSize: 1 });
    const run1 = await first.start('test.spin', { check: 'never' }, { every: '200ms' });
    while (first.pool.busyCount < 1) await sleep(10);
    await first.shutdown({ drainMs: 0 });
    await sleep(1200);

    const second = await createEngine({ dataDir, registry, poolSize: 1 });
    try {
      expect((await second.get(run1.id))!.state).toBe('interrupted');
      const [schedule] = await second.schedules();
      const runs = (await second.list({ name: 'test.spin' })).filter((j) => j.id !== run1.id);
      expect(runs.map((j) => j.state)).toEqual([expect.stringMatching(/queued|running/)]);
      expect(runs[0]!.id).toBe(schedule!.lastJobId);
      await second.removeSchedule(schedule!.id);
      await second.cancel(runs[0]!.id, { force: true });
    } finally {
      await second.close();
    }
  });

  it('says when the next run is due while a run runs: a period after it started', async () => {
    const engine = await openEngine({ poolSize: 1 });
    const run1 = await engine.start('test.spin', { check: 'sync' }, { every: '1h' });
    while (engine.pool.busyCount < 1) await sleep(10);
    const [schedule] = await engine.schedules();
    const started = (await engine.get(run1.id))!.startedAt!;
    expect(schedule!.nextRunAt).toBe(started + 3_600_000);
    await engine.removeSchedule(schedule!.id);
    await engine.cancel(run1.id, { force: true });
  });

  it('are left to an engine that runs them by one that does not (a command open for a moment)', async () => {
    const dataDir = tempDir();
    const first = await createEngine({ dataDir, registry, poolSize: 1 });
    const run1 = await first.start('test.every', {}, { every: '3s' });
    await first.waitFor(run1.id);
    await first.close();
    // Its next run falls due while no engine is up.
    await sleep(3200);
    // Due now, but this engine runs no schedules: the waiting run stays queued, untouched.
    const brief = await createEngine({ dataDir, registry, poolSize: 1, runSchedules: false });
    const [schedule] = await brief.schedules();
    const waiting = schedule!.lastJobId!;
    await sleep(300);
    expect((await brief.get(waiting))!.state).toBe('queued');
    // Paused from it, the waiting run is dropped all the same; resumed, a new one waits in the store.
    await brief.pauseSchedule(schedule!.id);
    expect((await brief.get(waiting))!.state).toBe('cancelled');
    const resumed = await brief.resumeSchedule(schedule!.id);
    expect(resumed.nextRunAt).toBeGreaterThan(0);
    expect((await brief.get(resumed.lastJobId!))!.state).toBe('queued');
    await brief.close();

    const next = await createEngine({ dataDir, registry, poolSize: 1 });
    try {
      expect((await next.waitFor(resumed.lastJobId!)).state).toBe('succeeded');
    } finally {
      await next.close();
    }
  });

  it('pause, resume and remove: a paused schedule has no queued run and no next time', async () => {
    const engine = await openEngine();
    const run1 = await engine.start('test.every', {}, { every: '1h' });
    await engine.waitFor(run1.id);
    const [schedule] = await engine.schedules();
    const waiting = schedule!.lastJobId!;
    expect((await engine.get(waiting))!.state).toBe('queued');

    const paused = await engine.pauseSchedule(schedule!.id);
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });
    expect((await engine.get(waiting))!.state).toBe('cancelled');

    const resumed = await engine.resumeSchedule(schedule!.id);
    expect(resumed.paused).toBe(false);
    // A period after the last run started: an hour from now, give or take the run.
    expect(resumed.nextRunAt! - run1.createdAt).toBeGreaterThan(3_590_000);
    const next = resumed.lastJobId!;
    expect(await engine.get(next)).toMatchObject({ state: 'queued', runAt: resumed.nextRunAt });

    await engine.removeSchedule(schedule!.id);
    expect(await engine.schedules()).toEqual([]);
    expect((await engine.get(next))!.state).toBe('cancelled');
    await expect(engine.pauseSchedule(schedule!.id)).rejects.toThrow(/no schedule with id/);
  });
});
