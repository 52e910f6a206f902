#!/usr/bin/env node
// Throughput with a backlog: fills a temp inbox with N files, starts the
// watcher on it (files.checksum, --stable 200) as `threadline watch` runs it,
// and times it until every file is in done/. Not a test: timing goals belong
// here, not in vitest.
//
//   node packages/watch/scripts/backlog.mjs [N ...] [--keep] [--cpu-prof] [--concurrency C] [--app DIR]
//
// --app runs another copy of packages/watch (e.g. an older commit's src/ and test/
// checked out into a folder under packages/watch, to compare on the same machine).
//
// Prints files/s from "watching" to the last "ok" line, per N.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    keep: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    stable: { type: 'string', default: '200' },
    app: { type: 'string' },
  },
});
const sizes = positionals.length > 0 ? positionals.map(Number) : [300, 1500];
const app = values.app ? resolve(values.app) : fileURLToPath(new URL('..', import.meta.url));
const runner = join(app, 'test', 'run-watch.ts');

async function run(n) {
  const root = mkdtempSync(join(tmpdir(), 'threadline-backlog-'));
  const inbox = join(root, 'inbox');
  mkdirSync(inbox);
  for (let i = 0; i < n; i++) {
    writeFileSync(join(inbox, `photo-${String(i).padStart(5, '0')}.jpg`), `content ${i}\n`.repeat(64));
  }
  const args = [
    '--import',
    'tsx',
    ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${join(root, 'prof')}`] : []),
    runner,
    // run-watch.ts takes runWatch's options as JSON (a copy from before the CLI parsed them took flags).
    JSON.stringify({
      folder: inbox,
      job: 'files.checksum',
      stableMs: Number(values.stable),
      ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
      where: { dataDir: join(root, 'data') },
    }),
  ];
  const spawned = performance.now();
  const child = spawn(process.execPath, args, { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
  let watching = 0;
  let first = 0;
  let ok = 0;
  let other = 0;
  let last = 0;
  const stamps = [];
  const done = new Promise((resolve, reject) => {
    const lines = (stream, onLine) => {
      let rest = '';
      stream.on('data', (chunk) => {
        const parts = (rest + chunk).split('\n');
        rest = parts.pop();
        for (const line of parts) onLine(line);
      });
    };
    lines(child.stderr, (line) => {
      if (line.startsWith('watching')) watching = performance.now();
      else if (!line.startsWith('stopping')) process.stderr.write(`  ${line}\n`);
    });
    lines(child.stdout, (line) => {
      if (line.startsWith('ok ')) {
        ok++;
        stamps.push(performance.now());
        if (ok === 1) first = performance.now();
      } else {
        other++;
        process.stderr.write(`  ${line}\n`);
      }
      if (ok + other === n) {
        last = performance.now();
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`watcher exited ${code} after ${ok} of ${n}`)));
  });
  await done;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  const inDone = readdirSync(join(inbox, 'done')).filter((name) => !name.endsWith('.sha256')).length;
  const seconds = (last - watching) / 1000;
  const result = {
    n,
    ok,
    failed: other,
    inDone,
    startup_s: +((watching - spawned) / 1000).toFixed(2),
    seconds: +seconds.toFixed(2),
    files_per_s: +(n / seconds).toFixed(1),
    first_ok_s: +((first - watching) / 1000).toFixed(2),
    // files/s over each fifth of the run: a rate that falls as the run goes on is cost
    // that grows with what was processed, not with what is waiting.
    by_fifth: [0, 1, 2, 3, 4].map((k) => {
      const a = stamps[Math.floor((k * stamps.length) / 5)];
      const b = stamps[Math.floor(((k + 1) * stamps.length) / 5) - 1];
      return +((stamps.length / 5 - 1) / ((b - a) / 1000)).toFixed(1);
    }),
  };
  console.log(JSON.stringify(result));
  if (values['cpu-prof']) console.log(`  profile in ${join(root, 'prof')}`);
  if (values.keep || values['cpu-prof']) console.log(`  kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
  return result;
}

for (const n of sizes) await run(n);
