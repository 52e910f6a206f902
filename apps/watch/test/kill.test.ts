// The fault test: the watcher killed with SIGKILL at random moments while
// files keep arriving, restarted each time; at the end every file is in done/
// or failed/ exactly once, every output is whole, and processing/ is empty.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { list, sha256, startWatcher, tempDir, waitFor } from './helpers.js';

const KILLS = 6;

it('loses no file and duplicates no output when killed with SIGKILL at random moments', async () => {
  const root = tempDir();
  const inbox = join(root, 'inbox');
  const data = join(root, 'data');
  mkdirSync(inbox);
  const args = [inbox, '--job', 'files.checksum', '--stable', '150', '--concurrency', '4'];
  const contents = new Map<string, string>();

  // Files keep arriving, across kills and restarts, until told to stop.
  let feeding = true;
  const feeder = (async () => {
    for (let i = 0; feeding; i++) {
      const name = `f${String(i).padStart(4, '0')}.txt`;
      const content = `${name}\n`.repeat(1 + ((i * 37) % 400));
      contents.set(name, content);
      writeFileSync(join(inbox, name), content);
      await sleep(15);
    }
  })();

  const redone: number[] = [];
  for (let round = 0; round < KILLS; round++) {
    const watcher = startWatcher(args, data);
    // Some kills land during start-up and recovery, most while files are claimed, run and finished.
    const startedAt = Date.now();
    const kill = round % 3 === 0 ? 100 + Math.random() * 400 : 600 + Math.random() * 1400;
    await waitFor(
      'the kill moment',
      () => Date.now() - startedAt >= kill || watcher.process.exitCode !== null,
    );
    expect(watcher.process.exitCode).toBeNull();
    await watcher.kill();
    const notice = watcher.notices.find((line) => line.startsWith('redoing'));
    redone.push(notice ? Number(notice.split(' ')[1]) : 0);
  }
  feeding = false;
  await feeder;

  const watcher = startWatcher(args, data);
  const done = join(inbox, 'done');
  const failed = join(inbox, 'failed');
  await waitFor(
    'every file to be done or failed',
    () =>
      list(done).length / 2 + list(failed).length / 2 >= contents.size &&
      list(join(inbox, 'processing')).length === 0,
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
    `kill test: ${contents.size} files, ${KILLS} kills; claims redone after each restart: ${redone.slice(1).join(', ')}`,
  );
});
