// Test helpers: temp folders, the watcher as a real child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cleanupStack, until } from '@threadline/testing';
import { afterEach } from 'vitest';
import type { WatchOptions } from '../src/index.js';

const cleanups = cleanupStack();
afterEach(cleanups.run);
export const onCleanup = cleanups.add;
export const tempDir = (): string => cleanups.tempDir('watch');

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** Names in a folder, or [] when it does not exist. */
export const list = (dir: string): string[] => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

const runner = fileURLToPath(new URL('./run-watch.ts', import.meta.url));

export interface Watcher {
  process: ChildProcess;
  lines: string[];
  notices: string[];
  exited: Promise<number | null>;
  waitForLine(test: (line: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to clean up. */
  kill(): Promise<void>;
}

/** What the child watches: runWatch's options, or `rules` (a config file) for the config's watch rules. */
export type WatcherOptions = Omit<WatchOptions, 'where'> & { rules?: string };

/** Starts `runWatch(options)` in a child process on its own embedded engine on `dataDir`. */
export function startWatcher(options: WatcherOptions, dataDir: string): Watcher {
  const given = JSON.stringify({ ...options, where: { dataDir } });
  const child = spawn(process.execPath, ['--import', 'tsx', runner, given], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const notices: string[] = [];
  const collect = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop()!;
      into.push(...parts);
    };
  };
  child.stdout!.on('data', collect(lines));
  child.stderr!.on('data', collect(notices));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const watcher: Watcher = {
    process: child,
    lines,
    notices,
    exited,
    waitForLine: (test, what, timeoutMs = 20_000) =>
      until(
        () => {
          if (child.exitCode !== null) {
            throw new Error(`watcher exited (${child.exitCode}) waiting for ${what}: ${notices.join('\n')}`);
          }
          return [...lines, ...notices].find(test);
        },
        what,
        timeoutMs,
      ),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  onCleanup(() => watcher.kill());
  return watcher;
}
