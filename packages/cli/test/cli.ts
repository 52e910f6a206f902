// Runs the built `threadline` command as a child process, the way a user does.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

const children = new Set<ChildProcess>();
const dirs: string[] = [];
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'threadline-cli-'));
  dirs.push(dir);
  return dir;
}

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when stdout or stderr matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function threadline(args: string[], dataDir: string, cwd?: string): Running {
  const child = spawn(process.execPath, [MAIN, ...args], {
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, THREADLINE_DATA_DIR: dataDir, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk;
    for (const check of waiters) check();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    err += chunk;
    for (const check of waiters) check();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      children.delete(child);
      for (const check of waiters) check();
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${pattern}; stdout:\n${out}\nstderr:\n${err}`)),
          timeoutMs,
        );
        const check = () => {
          if (pattern.test(out) || pattern.test(err)) {
            clearTimeout(timer);
            resolve();
          } else if (child.exitCode !== null) {
            clearTimeout(timer);
            reject(new Error(`exited ${child.exitCode} before ${pattern}; stdout:\n${out}\nstderr:\n${err}`));
          }
        };
        waiters.push(check);
        check();
      }),
  };
}

/** Runs to the end; returns the exit code and output. */
export async function run(args: string[], dataDir: string, cwd?: string) {
  const running = threadline(args, dataDir, cwd);
  const { code } = await running.exit;
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}
