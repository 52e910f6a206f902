// The fault test: the watcher killed with SIGKILL at random moments while
// files keep arriving, restarted each time; at the end every file is in done/
// or failed/ exactly once, every output is whole, and processing/ is empty.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from '@threadline/testing';
import { expect, it } from 'vitest';
import { list, sha256, startWatcher, tempDir } from './helpers.js';

const KILLS = 6;
const FILES = 160;

it('loses no file and duplicates no output when killed with SIGKILL at random moments', async () => {
  const root = tempDir();
  const inbox = join(root, 'inbox');
  const data = join(root, 'data');
  mkdirSync(inbox);
  const args = { folder: inbox, job: 'files.checksum', stableMs: 150, concurrency: 4 };
  const contents = new Map<string, string>();

  // Files keep arriving, across kills and restarts, until told to stop.
  let feeding = true;
  const feeder = (async () => {
    for (let i = 0; feeding && i < FILES; i++) {
      const name = `f${String(i).padStart(4, '0')}.txt`;
      const content = `${name}\n`.repeat(1 + ((i * 37) % 400));
      contents.set(name, content);
      writeFileSync(join(inbox, name), content);
      await sleep(60);
    }
  })();

  const caught: string[] = [];
  const t0 = Date.now();
  for (let round = 0; round < KILLS; round++) {
    const watcher = startWatcher(args, data);
    // One kill in four lands during start-up and recovery; the rest while files are claimed, run and finished.
    const duringStartup = round % 4 === 1;
    if (!duringStartup)
      await watcher.waitForLine((line) => line.startsWith('watching'), 'the watcher to start');
    const kill = duringStartup ? 200 + Math.random() * 800 : Math.random() * 1200;
    const from = Date.now();
    await until(() => Date.now() - from >= kill || watcher.process.exitCode !== null, 'the kill moment');
    expect(watcher.process.exitCode).toBeNull();
    await watcher.kill();
    // What the kill interrupted: claims in processing/, and finishing plans journalled but not ended.
    let journal = '';
    try {
      journal = readFileSync(join(inbox, '.threadline', 'journal.jsonl'), 'utf8');
    } catch {
      // killed before the journal was first written
    }
    const plans = journal.split('\n').filter((line) => line.includes('"t":"plan"')).length;
    const ends = journal.split('\n').filter((line) => line.includes('"t":"end"')).length;
    const ok = watcher.lines.filter((line) => line.startsWith('ok ')).length;
    caught.push(
      `${Math.round(kill)} ms ${duringStartup ? 'after spawn' : 'after the first file'}: ${ok} ok, ${list(join(inbox, 'processing')).length} claimed, ${plans - ends} mid-finish`,
    );
  }
  feeding = false;
  await feeder;

  const roundsMs = Date.now() - t0;
  const watcher = startWatcher(args, data);
  const done = join(inbox, 'done');
  const failed = join(inbox, 'failed');
  await until(
    () =>
      list(done).length / 2 + list(failed).length / 2 >= contents.size &&
      list(join(inbox, 'processing')).length === 0,
    () =>
      `every file to be done or failed; inbox: ${list(inbox).length}; processing: ${list(join(inbox, 'processing'))}; ` +
      `done: ${list(done).length}; notices: ${watcher.notices.join(' | ')}; last lines: ${watcher.lines.slice(-3).join(' | ')}`,
    60_000,
  );
  expect(await watcher.stop()).toBe(0);

  // Exactly once: each file's name once in done/ (with its manifest) or failed/, and nothing else.
  const expected = [...contents.keys()].flatMap((name) => [name, `${name}.sha256`]).sort();
  expect(list(failed)).toEqual([]);
  expect(list(done)).toEqual(expected);
  // Whole: every file and every manifest as it should be.
  for (const [name, content] of contents) {
    expect(readFileSync(join(done, name), 'utf8')).toBe(content);
    expect(readFileSync(join(done, `${name}.sha256`), 'utf8')).toBe(`${sha256(content)}  ${name}\n`);
  }
  expect(list(join(inbox, 'processing'))).toEqual([]);
  expect(readdirSync(inbox).filter((name) => name.endsWith('.txt'))).toEqual([]);
  expect(list(join(inbox, '.threadline', 'work'))).toEqual([]);
  console.log(
    `kill test: ${contents.size} files, ${KILLS} kills in ${roundsMs} ms, then ${Date.now() - t0 - roundsMs} ms to finish:\n  ${caught.join('\n  ')}`,
  );
}, 90_000);
