// Temporary output files of a killed process are removed when the next engine
// opens its data directory, and only those.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { journalFile, TempJournal } from '../src/pool/temp-journal.js';
import { collect, fixture, openEngine, tempDir } from './helpers.js';

const WRITE = fileURLToPath(new URL('./fixtures/write-and-hold.ts', import.meta.url));
const MB = 1024 * 1024;

/** Starts the child and resolves to the temporary file it says it is writing. */
function writeAndHold(dataDir: string, target: string, mb: number) {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITE, dataDir, target, String(mb)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const writing = new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      const line = /^wrote (.+)\n/m.exec(out);
      if (line) resolve(line[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the writer exited (${code}) before writing: ${out}`)));
  });
  return { child, exited, writing };
}

describe('temporary files of a killed engine', () => {
  it('removes at the next start the temporary file of an engine killed with SIGKILL mid-write, and only that', async () => {
    const dataDir = tempDir();
    const out = tempDir();
    // Beside it: a user's file that looks like a temporary, and a live engine's own temporary.
    const users = join(out, 'big.bin.tmp-0123456789abcdef0123');
    writeFileSync(users, 'mine');
    const live = await openEngine();
    const held = await live.start(fixture('stuck-write'), { target: join(out, 'other.txt') });
    await collect(live, held.id, (e) => e.type === 'progress' && e.progress.message === 'writing');
    const liveTemp = readdirSync(out).find((name) => name.startsWith('other.txt.tmp-'));
    expect(liveTemp).toBeDefined();

    const writer = writeAndHold(dataDir, join(out, 'big.bin'), 32);
    let temp: string;
    try {
      temp = await writer.writing;
    } finally {
      writer.child.kill('SIGKILL');
      await writer.exited;
    }
    // What a kill -9 mid-write leaves: the whole temporary file, no output.
    expect(statSync(temp).size).toBe(32 * MB);

    const said: string[] = [];
    await openEngine({ dataDir, log: (line) => said.push(line) });
    expect(existsSync(temp)).toBe(false);
    expect(said).toEqual(['removed 1 temporary file a stopped engine was writing']);
    expect(readdirSync(out).sort()).toEqual([basename(users), liveTemp].sort());
    expect(readFileSync(users, 'utf8')).toBe('mine');
  }, 60_000);
});

describe("a worker's journal of temporary files", () => {
  it('stays a line or two over many writes that rename their temporary file away themselves', () => {
    const dir = tempDir();
    const file = journalFile(dir, 'abcd1234', '0.0');
    const journal = new TempJournal(file);
    // What atomicTempPath alone does (a job's own confined write): add, write, rename; never "removed".
    for (let i = 0; i < 1000; i++) {
      const temp = join(dir, `out-${i}.jpg.tmp-abcd1234${'0'.repeat(12)}`);
      journal.add(temp);
      writeFileSync(temp, 'x');
      renameSync(temp, join(dir, `out-${i}.jpg`));
    }
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
