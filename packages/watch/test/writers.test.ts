// Writers that pause: a file still open for writing by another process is not
// taken, however long it has looked settled, and a second Ctrl+C says what it left.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until, waitForLine } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { recheckWriters, type Snapshot } from '../src/stability.js';
import { WriterScan, writersAmong } from '../src/writers.js';
import { list, onCleanup, sha256, startWatcher, tempDir } from './helpers.js';

/**
 * A child that opens `path` with `flags` ('w', 'r+' or 'r'), writes `first` bytes of 'a', says "paused",
 * and holds the file open until told "go" on stdin; then writes `second` bytes of 'b' and closes it.
 */
function pausingWriter(path: string, flags: 'w' | 'r' | 'r+', first = 0, second = 0): ChildProcess {
  const script = `
    const fs = require('node:fs');
    const [path, flags, first, second] = process.argv.slice(1);
    const fd = fs.openSync(path, flags);
    if (flags !== 'r') fs.writeSync(fd, Buffer.alloc(Number(first), 'a'));
    process.stdout.write('paused\\n');
    process.stdin.once('data', () => {
      if (flags !== 'r') fs.writeSync(fd, Buffer.alloc(Number(second), 'b'));
      fs.closeSync(fd);
      process.exit(0);
    });`;
  const child = spawn(process.execPath, ['-e', script, path, flags, String(first), String(second)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return child;
}

const exitOf = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve),
  );

describe('files still open for writing', () => {
  it('finds the processes holding a file for writing in /proc, not those only reading it', async () => {
    const dir = realpathSync(tempDir());
    const written = join(dir, 'written.bin');
    const read = join(dir, 'read.bin');
    writeFileSync(read, 'already here');
    const writer = pausingWriter(written, 'w', 4, 4);
    const reader = pausingWriter(read, 'r');
    await waitForLine(writer, /^paused$/, 'the writer');
    await waitForLine(reader, /^paused$/, 'the reader');

    const found = await writersAmong(new Set([written, read]));
    expect([...found]).toEqual([[written, writer.pid]]);

    writer.stdin!.end('go\n');
    reader.stdin!.end('go\n');
    expect(await exitOf(writer)).toBe(0);
    expect(await exitOf(reader)).toBe(0);
    expect((await writersAmong(new Set([written, read]))).size).toBe(0);
  });

  it('takes a file whose writer paused for longer than --stable only once it is closed, whole and once', async () => {
    const root = tempDir();
    const inbox = join(root, 'inbox');
    mkdirSync(inbox);
    const watcher = startWatcher({ folder: inbox, job: 'files.checksum', stableMs: 200 }, join(root, 'data'));
    await watcher.waitForLine((line) => line.startsWith('watching'), 'the watcher to start');

    const writer = pausingWriter(join(inbox, 'paused.bin'), 'w', 300_000, 200_000);
    // The watcher says it waits for this very process: the file had settled for --stable, still open.
    await watcher.waitForLine(
      (line) => line === `waiting for paused.bin: still open for writing (pid ${writer.pid})`,
      'the watcher to wait for the writer',
    );
    expect(list(inbox)).toContain('paused.bin');
    expect(list(join(inbox, 'done'))).toEqual([]);

    writer.stdin!.end('go\n');
    expect(await exitOf(writer)).toBe(0);
    await watcher.waitForLine((line) => line.startsWith('ok paused.bin'), 'paused.bin to be processed');

    const whole = Buffer.concat([Buffer.alloc(300_000, 'a'), Buffer.alloc(200_000, 'b')]);
    const done = join(inbox, 'done');
    expect(list(done)).toEqual(['paused.bin', 'paused.bin.sha256']);
    expect(readFileSync(join(done, 'paused.bin')).equals(whole)).toBe(true);
    expect(readFileSync(join(done, 'paused.bin.sha256'), 'utf8')).toBe(`${sha256(whole)}  paused.bin\n`);
    expect(list(join(inbox, 'failed'))).toEqual([]);
    expect(watcher.lines.filter((line) => line.startsWith('ok ') || line.startsWith('failed '))).toHaveLength(
      1,
    );
    expect(await watcher.stop()).toBe(0);
  });
});

describe('a settled file whose turn comes late in a backlog', () => {
  it('is asked about again at its claim, with the stale files behind it, and one opened for writing since goes back to wait', async () => {
    const dir = realpathSync(tempDir());
    for (const name of ['first', 'behind', 'fresh']) writeFileSync(join(dir, name), name);
    const long = performance.now() - 60_000;
    const snapshot = (checkedAt: number): Snapshot => ({ size: 5, mtimeMs: 0, checkedAt });
    const first = snapshot(long);
    // Opened for writing after it was found closed, nothing written yet: its size and mtime say nothing.
    const writer = pausingWriter(join(dir, 'behind'), 'r+');
    await waitForLine(writer, /^paused$/, 'the writer');
    // Looked at only now: a writer process slow to start (a busy machine) must not age the fresh look.
    const waiting = new Map([
      ['behind', snapshot(long)],
      ['fresh', snapshot(performance.now())],
    ]);
    const scan = new WriterScan({ ignorePid: process.pid });
    const asked: string[] = [];
    const writerOf = (name: string) => {
      asked.push(name);
      return scan.writerOf(join(dir, name));
    };

    const held = await recheckWriters('first', first, waiting, writerOf);

    expect([...held]).toEqual([['behind', writer.pid]]);
    // The fresh one's look is trusted; the first is marked as looked at now, the held one is not.
    expect(asked).toEqual(['first', 'behind']);
    expect(performance.now() - first.checkedAt).toBeLessThan(60_000);
    expect(waiting.get('behind')!.checkedAt).toBe(long);
    // Asked again at once, the first needs no scan: its look is fresh now.
    expect(await recheckWriters('first', first, waiting, writerOf)).toEqual(new Map());
    expect(asked).toHaveLength(2);

    writer.stdin!.end('go\n');
    expect(await exitOf(writer)).toBe(0);
    expect(await recheckWriters('behind', waiting.get('behind')!, new Map(), writerOf)).toEqual(new Map());
  });
});

describe('a second Ctrl+C', () => {
  it('quits at once and names each file it left in processing/', async () => {
    const root = tempDir();
    const inbox = join(root, 'inbox');
    mkdirSync(inbox);
    // A job whose item blocks its thread in a read of a FIFO: no cancel can end it, so the first
    // Ctrl+C's stop waits for it until the test writes to the FIFO.
    const fifo = join(root, 'hold.fifo');
    execFileSync('mkfifo', [fifo]);
    const job = join(root, 'hold.mjs');
    const started = join(root, 'item-started');
    writeFileSync(
      job,
      `import { readFileSync, writeFileSync } from 'node:fs';
      import { defineJob, z } from ${JSON.stringify(import.meta.resolve('@threadline/core/job'))};
      export default defineJob({
        name: 'test.hold',
        title: 'Hold',
        input: z.object({ file: z.string() }),
        items: () => [1],
        process: () => {
          writeFileSync(${JSON.stringify(started)}, '');
          return readFileSync(${JSON.stringify(fifo)}, 'utf8');
        },
      });`,
    );
    // No cleanup for the blocked thread: the helpers' SIGKILL of the watcher ends it with its process.
    const watcher = startWatcher(
      { folder: inbox, job, input: '{"file":"{{file}}"}', stableMs: 100 },
      join(root, 'data'),
    );
    await watcher.waitForLine((line) => line.startsWith('watching'), 'the watcher to start');
    writeFileSync(join(inbox, 'held.txt'), 'held');
    const processing = join(inbox, 'processing');
    const id = await until(() => list(processing)[0], 'held.txt to be claimed', 20_000);
    // Its item runs, blocked on the FIFO: the first stop waits for it (with only the job started,
    // the stop could end it before its item began, and exit 0 before the second Ctrl+C).
    await until(() => existsSync(started), 'its item to start', 20_000);

    watcher.process.kill('SIGINT');
    await watcher.waitForLine((line) => line.startsWith('stopping'), 'the first stop');
    watcher.process.kill('SIGINT');
    await watcher.exited;
    // It dies of the Ctrl+C itself (a shell reads 130): its blocked thread could not hold it.
    expect(watcher.process.signalCode).toBe('SIGINT');

    const said = watcher.notices.join('\n');
    expect(said).toContain(
      'quitting at once: 1 file(s) left in flight, finished or redone on the next start:',
    );
    expect(said).toContain(`  held.txt: ${join(processing, id, 'held.txt')}`);
    expect(list(join(processing, id))).toEqual(['held.txt']);
  });
});
