import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import type { JobQuery } from '../src/protocol/types.js';
import { COUNT_LIMIT } from '../src/store/find.js';
import { openEngine, registry, tempDir } from './helpers.js';

describe('finding and deleting jobs in the store', () => {
  it('searches a data directory written before search existed, by the input its jobs had', async () => {
    const dataDir = tempDir();
    // The jobs table as it was: no search column, a state index the new ones replace.
    const old = new Database(join(dataDir, 'threadline.db'));
    old.exec(`CREATE TABLE jobs (pos INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
      state TEXT NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER, data TEXT NOT NULL);
      CREATE INDEX jobs_state ON jobs(state);`);
    const row = (id: string, input: unknown) => ({
      id,
      name: 'test.count',
      title: 'Count',
      state: 'succeeded',
      input,
      createdAt: 1000,
      finishedAt: 2000,
    });
    const insert = old.prepare(
      'INSERT INTO jobs (id, name, state, created_at, finished_at, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
    insert.run(
      'j_old1',
      'test.count',
      'succeeded',
      1000,
      2000,
      JSON.stringify(row('j_old1', { folder: '/srv/Photos' })),
    );
    insert.run('j_old2', 'test.count', 'succeeded', 1000, 2000, JSON.stringify(row('j_old2', 'plain text')));
    old.close();

    const engine = await createEngine({ dataDir, registry, poolSize: 1 });
    try {
      expect((await engine.find({ text: 'photos' })).jobs.map((j) => j.id)).toEqual(['j_old1']);
      expect((await engine.find({ text: 'PLAIN' })).jobs.map((j) => j.id)).toEqual(['j_old2']);
      expect((await engine.find({ text: 'old' })).counts.succeeded).toBe(2);
      // Shorter than a trigram: matched row by row, the same way.
      expect((await engine.find({ text: 'D2' })).jobs.map((j) => j.id)).toEqual(['j_old2']);
      expect((await engine.find({ text: 'Photos"}' })).jobs.map((j) => j.id)).toEqual(['j_old1']);
      await engine.delete('j_old1');
      expect((await engine.find({ text: 'photos' })).jobs).toEqual([]);
    } finally {
      await engine.close();
    }
    const reopened = new Database(join(dataDir, 'threadline.db'), { readonly: true });
    const indexes = reopened
      .prepare("SELECT name FROM sqlite_master WHERE type IN ('index', 'table')")
      .pluck()
      .all();
    reopened.close();
    expect(indexes).toEqual(
      expect.arrayContaining(['jobs_state_pos', 'jobs_name_state', 'jobs_created', 'jobs_search']),
    );
    expect(indexes).not.toContain('jobs_state');
  });

  it('refuses to delete a running job, and deletes it with its events once it is cancelled', async () => {
    const engine = await openEngine({ poolSize: 1 });
    const kept = await engine.waitFor((await engine.start('test.count', { n: 3, failOn: [1] })).id);
    const job = await engine.start('test.spin', {});
    await expect(engine.delete(job.id)).rejects.toMatchObject({ code: 'VALIDATION' });
    await engine.cancel(job.id, { force: true });
    expect((await engine.waitFor(job.id)).state).toBe('cancelled');
    await engine.delete(job.id);
    expect(await engine.get(job.id)).toBeUndefined();
    expect(await engine.details(job.id)).toBeUndefined();
    expect((await engine.find()).jobs.map((j) => j.id)).toEqual([kept.id]);
    await expect(engine.delete(job.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await engine.close();
    const db = new Database(join(engine.dataDir, 'threadline.db'), { readonly: true });
    const rows = (table: string, id: string) =>
      db
        .prepare(`SELECT COUNT(*) FROM ${table} WHERE ${table === 'jobs' ? 'id' : 'job_id'} = ?`)
        .pluck()
        .get(id);
    try {
      for (const table of ['jobs', 'events', 'job_items', 'item_results'])
        expect(rows(table, job.id)).toBe(0);
      expect(rows('events', kept.id)).toBeGreaterThan(0);
      expect(rows('item_results', kept.id)).toBe(2);
    } finally {
      db.close();
    }
  });

  it('counts a text found in very many jobs up to a limit and says so, paging through every one of them', async () => {
    const dataDir = tempDir();
    const old = new Database(join(dataDir, 'threadline.db'));
    old.exec(`CREATE TABLE jobs (pos INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
      state TEXT NOT NULL, created_at INTEGER NOT NULL, finished_at INTEGER, data TEXT NOT NULL);`);
    const insert = old.prepare(
      'INSERT INTO jobs (id, name, state, created_at, finished_at, data) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const JOBS = 12_000;
    old.transaction(() => {
      for (let i = 0; i < JOBS; i++) {
        const id = `j_${String(i).padStart(5, '0')}`;
        // One failed job in a hundred, the oldest ones only: a state few of the newest matches are in.
        const state = i < 3000 && i % 100 === 0 ? 'failed' : 'succeeded';
        const input = { folder: `/srv/shared/${i % 7 === 0 ? 'rare-dir' : 'common'}` };
        const job = { id, name: 'test.count', title: 'Count', state, input, createdAt: i, finishedAt: i + 1 };
        insert.run(id, 'test.count', state, i, i + 1, JSON.stringify(job));
      }
    })();
    old.close();
    const engine = await createEngine({ dataDir, registry, poolSize: 1, retention: { maxJobs: JOBS } });
    try {
      const broad = await engine.find({ text: '/srv/shared/' });
      expect(broad.countLimit).toBe(COUNT_LIMIT);
      expect(broad.counts.succeeded + broad.counts.failed).toBe(COUNT_LIMIT);
      expect(broad.jobs[0]!.id).toBe('j_11999');
      // Under the limit the counts are exact, and say nothing of a limit.
      const rare = await engine.find({ text: 'rare-dir' });
      expect(rare.countLimit).toBeUndefined();
      expect(rare.counts.succeeded + rare.counts.failed).toBe(Math.ceil(JOBS / 7));
      expect((await engine.find({ text: 'rare-dir', state: 'queued' })).jobs).toEqual([]);

      const walk = async (query: JobQuery) => {
        const ids: string[] = [];
        let next: string | null | undefined;
        do {
          const page = await engine.find({ ...query, limit: 700, ...(next ? { cursor: next } : {}) });
          ids.push(...page.jobs.map((job) => job.id));
          next = page.next;
        } while (next);
        return ids;
      };
      const newestFirst = (keep: (i: number) => boolean) =>
        Array.from({ length: JOBS }, (_, i) => JOBS - 1 - i)
          .filter(keep)
          .map((i) => `j_${String(i).padStart(5, '0')}`);
      expect(await walk({ text: '/srv/shared/' })).toEqual(newestFirst(() => true));
      expect(await walk({ text: '/SRV/shared/', state: 'failed' })).toEqual(
        newestFirst((i) => i < 3000 && i % 100 === 0),
      );
      expect(await walk({ text: 'rare-dir' })).toEqual(newestFirst((i) => i % 7 === 0));
    } finally {
      await engine.close();
    }
  });
});
