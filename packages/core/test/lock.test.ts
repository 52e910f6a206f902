// The data directory's lock is the kernel's: exactly one engine owns a
// directory, and a killed owner's lock is free at once.
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/engine.js';
import { DataDirBusyError } from '../src/engine/lock.js';
import { tempDir } from './helpers.js';

const HOLD = fileURLToPath(new URL('./fixtures/hold-engine.ts', import.meta.url));

function hold(dataDir: string): { child: ChildProcess; said: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', HOLD, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const said = new Promise<string>((resolve) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk;
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', () => resolve(out.trim()));
  });
  return { child, said };
}

describe('the data directory lock', () => {
  it('lets exactly one of 20 engines started at once take a directory with a stale lock', {
    timeout: 60_000,
  }, async () => {
    const dataDir = tempDir();
    // What a killed engine leaves: its lock file, and the note of its owner naming a pid long gone.
    const first = hold(dataDir);
    expect(await first.said).toBe('owner');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    writeFileSync(join(dataDir, 'engine.owner'), 'pid 999999');
    const engines = Array.from({ length: 20 }, () => hold(dataDir));
    try {
      const said = await Promise.all(engines.map((engine) => engine.said));
      expect(said.filter((line) => line === 'owner')).toHaveLength(1);
      const refused = said.filter((line) => line !== 'owner');
      expect(refused).toHaveLength(19);
      for (const line of refused)
        expect(line).toMatch(/^busy DataDirBusyError: the data directory .* is in use/);
    } finally {
      for (const { child } of engines) child.kill('SIGKILL');
    }
  });

  it('makes a new data directory readable by its owner alone, as its history holds every job input', async () => {
    const dataDir = join(tempDir(), 'data');
    const engine = await createEngine({ dataDir, poolSize: 1 });
    await engine.close();
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('is free the moment its owner is killed with SIGKILL', async () => {
    const dataDir = tempDir();
    const owner = hold(dataDir);
    expect(await owner.said).toBe('owner');
    await expect(createEngine({ dataDir, poolSize: 1 })).rejects.toThrow(DataDirBusyError);
    await expect(createEngine({ dataDir, poolSize: 1 })).rejects.toThrow(
      /in use by another Threadline engine \(pid \d+\)/,
    );
    const exited = new Promise((resolve) => owner.child.once('exit', resolve));
    owner.child.kill('SIGKILL');
    await exited;
    const engine = await createEngine({ dataDir, poolSize: 1 });
    await engine.close();
  });
});
