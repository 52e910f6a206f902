import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { list, sha256, startWatcher, tempDir } from './helpers.js';

function setup() {
  const root = tempDir();
  const inbox = join(root, 'inbox');
  mkdirSync(inbox);
  return { root, inbox, data: join(root, 'data') };
}

/** Appends `chunks` chunks to `path`, reopening it each time as a resumable copy does, `everyMs` apart. */
function slowCopy(path: string, chunks: number, everyMs: number): Promise<Buffer> {
  const script = `
    const { appendFileSync } = require('node:fs');
    let i = 0;
    const timer = setInterval(() => {
      appendFileSync(process.argv[1], Buffer.alloc(65536, 97 + i));
      if (++i === ${chunks}) clearInterval(timer);
    }, ${everyMs});`;
  const child = spawn(process.execPath, ['-e', script, path], { stdio: 'inherit' });
  const expected = Buffer.concat(Array.from({ length: chunks }, (_, i) => Buffer.alloc(65536, 97 + i)));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => (code === 0 ? resolve(expected) : reject(new Error(`copy exited ${code}`))));
  });
}

describe('threadline watch', () => {
  it('takes a file copied in slowly only once its writing has finished, and never temporary names', async () => {
    const { inbox, data } = setup();
    const watcher = startWatcher({ folder: inbox, job: 'files.checksum', stableMs: 500 }, data);
    await watcher.waitForLine((line) => line.startsWith('watching'), 'the watcher to start');

    const temporary = [
      'movie.mp4.part',
      'page.crdownload',
      'report.docx~',
      '~$report.docx',
      '.hidden',
      'a.swp',
    ];
    for (const name of temporary) writeFileSync(join(inbox, name), 'still being written');
    // 12 chunks 200 ms apart: 2.4 s of writing, four times the stability window.
    const expected = await slowCopy(join(inbox, 'slow.bin'), 12, 200);
    renameSync(join(inbox, 'movie.mp4.part'), join(inbox, 'movie.mp4'));

    await watcher.waitForLine((line) => line.startsWith('ok movie.mp4'), 'movie.mp4 to be processed');
    const slow = await watcher.waitForLine(
      (line) => line.startsWith('ok slow.bin'),
      'slow.bin to be processed',
    );
    expect(slow).toMatch(/^ok slow\.bin -> done\/slow\.bin, done\/slow\.bin\.sha256 \d+ ms$/);
    const done = join(inbox, 'done');
    expect(readFileSync(join(done, 'slow.bin')).equals(expected)).toBe(true);
    expect(readFileSync(join(done, 'slow.bin.sha256'), 'utf8')).toBe(`${sha256(expected)}  slow.bin\n`);
    // Taken once: a claim made mid-copy would have left a second slow.bin behind to process.
    expect(list(done)).toEqual(['movie.mp4', 'movie.mp4.sha256', 'slow.bin', 'slow.bin.sha256']);
    expect(
      list(inbox)
        .filter((name) => temporary.includes(name))
        .sort(),
    ).toEqual(temporary.filter((name) => name !== 'movie.mp4.part').sort());
    expect(await watcher.stop()).toBe(0);
  });

  it('processes a burst of 200 files, each exactly once, and keeps a second file of the same name apart', async () => {
    const { inbox, data } = setup();
    const contents = new Map<string, string>();
    for (let i = 0; i < 200; i++)
      contents.set(`file-${String(i).padStart(3, '0')}.txt`, `content ${i}\n`.repeat(i));
    const watcher = startWatcher({ folder: inbox, job: 'files.checksum', stableMs: 300 }, data);
    await watcher.waitForLine((line) => line.startsWith('watching'), 'the watcher to start');
    for (const [name, content] of contents) writeFileSync(join(inbox, name), content);

    await until(
      () => watcher.lines.filter((line) => line.startsWith('ok ')).length >= 200,
      '200 files',
      60_000,
    );
    const done = join(inbox, 'done');
    const names = [...contents.keys()];
    expect(list(done)).toEqual(names.flatMap((name) => [name, `${name}.sha256`]).sort());
    for (const [name, content] of contents) {
      expect(readFileSync(join(done, `${name}.sha256`), 'utf8')).toBe(`${sha256(content)}  ${name}\n`);
    }
    expect(watcher.lines.filter((line) => !line.startsWith('ok '))).toEqual([]);
    expect(list(join(inbox, 'processing'))).toEqual([]);

    // The same name again is a new file: its results sit beside the first ones, under " (2)".
    writeFileSync(join(inbox, 'file-000.txt'), 'second');
    const line = await watcher.waitForLine((l) => l.includes('file-000 (2)'), 'the second file-000.txt');
    expect(line).toMatch(/^ok file-000\.txt -> done\/file-000 \(2\)\.txt, done\/file-000 \(2\)\.txt\.sha256/);
    expect(readFileSync(join(done, 'file-000 (2).txt'), 'utf8')).toBe('second');
    expect(await watcher.stop()).toBe(0);
  });

  it('takes the files waiting at start-up and leaves subfolders and what is in them alone', async () => {
    const { root, inbox, data } = setup();
    const waiting = Array.from({ length: 40 }, (_, i) => `waiting-${String(i).padStart(2, '0')}.txt`);
    for (const name of waiting) writeFileSync(join(inbox, name), `${name}\n`);
    writeFileSync(join(inbox, 'notes.md'), '# no rule takes this');
    mkdirSync(join(inbox, 'album'));
    writeFileSync(join(inbox, 'album', 'inside.txt'), 'in a subfolder');
    const config = {
      stableMs: 200,
      folders: [{ path: 'inbox', rules: [{ match: '*.txt', job: 'files.checksum' }] }],
    };
    writeFileSync(join(root, 'threadline.config.json'), JSON.stringify({ watch: config }));
    const watcher = startWatcher({ rules: join(root, 'threadline.config.json') }, data);
    await until(
      () => watcher.lines.filter((line) => line.startsWith('ok ')).length >= 40,
      '40 files',
      20_000,
    );

    // Subfolders made and written to while it runs are not the watcher's either.
    mkdirSync(join(inbox, 'later.txt'));
    mkdirSync(join(inbox, 'scans'));
    writeFileSync(join(inbox, 'later.txt', 'deep.txt'), 'deeper');
    writeFileSync(join(inbox, 'album', 'added.txt'), 'added later');
    writeFileSync(join(inbox, 'last.txt'), 'last');
    await watcher.waitForLine((line) => line.startsWith('ok last.txt'), 'last.txt to be processed');

    const done = join(inbox, 'done');
    expect(list(done)).toEqual([...waiting, 'last.txt'].flatMap((name) => [name, `${name}.sha256`]).sort());
    expect(list(join(inbox, 'album'))).toEqual(['added.txt', 'inside.txt']);
    expect(list(join(inbox, 'later.txt'))).toEqual(['deep.txt']);
    expect(existsSync(join(inbox, 'notes.md'))).toBe(true);
    expect(watcher.lines.filter((line) => !line.startsWith('ok '))).toEqual([
      'skipping notes.md: no rule matches it',
    ]);
    expect(await watcher.stop()).toBe(0);
  });

  it('runs several folders from the config watch rules, and sends failures to failed/ with the reason', async () => {
    const { root, data } = setup();
    const photos = join(root, 'photos');
    const papers = join(root, 'papers');
    mkdirSync(photos);
    mkdirSync(papers);
    const config = {
      stableMs: 300,
      folders: [
        {
          path: 'photos',
          rules: [
            { match: '*.{png,jpg}', job: 'image.scale', input: { size: 64 } },
            { match: '*', job: 'files.checksum' },
          ],
        },
        {
          path: 'papers',
          out: 'papers-out',
          rules: [
            { match: '*.txt', job: 'files.checksum' },
            { match: '*.text', job: 'image.scale' },
          ],
        },
      ],
    };
    writeFileSync(join(root, 'threadline.config.json'), JSON.stringify({ watch: config }));
    const { png, width } = await import('./images.js');
    const big = png(400, 200);
    writeFileSync(join(photos, 'big.png'), big);
    writeFileSync(join(photos, 'broken.jpg'), 'not really a jpeg');
    writeFileSync(join(photos, 'notes.md'), '# notes');
    writeFileSync(join(papers, 'paper.txt'), 'a paper');
    writeFileSync(join(papers, 'scan.pdf'), '%PDF');
    writeFileSync(join(papers, 'notes.text'), 'not an image');

    const watcher = startWatcher({ rules: join(root, 'threadline.config.json') }, data);
    await until(() => watcher.lines.filter((l) => /: (ok|failed) /.test(l)).length >= 5, '5 files', 20_000);

    expect(width(readFileSync(join(photos, 'done', 'big.png')))).toBe(64);
    expect(readFileSync(join(photos, 'originals', 'big.png')).equals(big)).toBe(true);
    expect(list(join(photos, 'done'))).toEqual(['big.png', 'notes.md', 'notes.md.sha256']);
    expect(list(join(photos, 'failed'))).toEqual(['broken.jpg', 'broken.jpg.error.txt']);
    const error = readFileSync(join(photos, 'failed', 'broken.jpg.error.txt'), 'utf8');
    expect(error).toMatch(/Reason: .*image/i);
    // The file failed, and so says its error file, whatever state its job ended in.
    expect(error).toMatch(/^broken\.jpg could not be processed: it failed\.$/m);
    expect(error).toMatch(/^Job: {4}image\.scale \(j_\w+\): failed: 0 of 1 items done, 1 failed$/m);
    // A job that ran to its end with nothing to do in the file: the file failed, not "succeeded".
    const nothing = readFileSync(join(papers, 'failed', 'notes.text.error.txt'), 'utf8');
    expect(nothing).toMatch(/^notes\.text could not be processed: it failed\.$/m);
    expect(nothing).toMatch(/^Reason: image\.scale found nothing to do in it/m);
    expect(nothing).toMatch(/^Job: {4}image\.scale \(j_\w+\): ran, with no items to do$/m);
    expect(nothing).not.toMatch(/succeeded/);
    expect(watcher.lines).toContainEqual(
      expect.stringMatching(/^photos: failed broken\.jpg: .+failed\/broken/),
    );
    expect(list(join(root, 'papers-out'))).toEqual(['paper.txt', 'paper.txt.sha256']);
    // No rule takes scan.pdf: it stays, and the watcher says so once.
    expect(existsSync(join(papers, 'scan.pdf'))).toBe(true);
    expect(watcher.lines.filter((l) => l.includes('skipping scan.pdf'))).toHaveLength(1);
    expect(await watcher.stop()).toBe(0);
  });
});
