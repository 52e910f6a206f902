// Test helpers: temp folders, the watcher as a real child process, waiting for a state.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function onCleanup(cleanup: () => Promise<void> | void): void {
  cleanups.push(cleanup);
}

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-watch-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `check` until it returns something truthy; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string | (() => string),
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(25);
  }
}

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

/** Starts `runWatch(args)` in a child process on its own embedded engine. */
export function startWatcher(args: string[], dataDir: string): Watcher {
  const child = spawn(process.execPath, ['--import', 'tsx', runner, ...args, '--data-dir', dataDir], {
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
    waitForLine: (test, what, timeoutMs) =>
      waitFor<string | undefined>(
        what,
        () => {
          if (child.exitCode !== null) {
            throw new Error(`watcher exited (${child.exitCode}) waiting for ${what}: ${notices.join('\n')}`);
          }
          return [...lines, ...notices].find(test);
        },
        timeoutMs,
      ) as Promise<string>,
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
