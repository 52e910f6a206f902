// Runs an example the way a user does: a child process in a folder of its own,
// with its own data directory, that must exit by itself.
import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cleanupStack } from '@threadline/testing';
import { afterEach } from 'vitest';
import { ROOT } from './readmes.js';

/** What `npx threadline` runs. */
export const THREADLINE = join(ROOT, 'packages/cli/bin/threadline.js');
/** `node --import tsx`, from any folder: the loader by its URL, as cwd is a temp folder. */
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const cleanups = cleanupStack();
afterEach(() => cleanups.run());

/** A temp folder removed after the test. */
export const folder = (name = 'example'): string => cleanups.tempDir(name);

export interface Run {
  child: ChildProcess;
  output: () => string;
  /** Resolves when stdout or stderr matches; rejects if the process exits first or after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Killed (and the test failed) if it has not exited by then. */
  timeoutMs?: number;
}

/** `node <args>` in `cwd`; THREADLINE_* variables come only from `env`. */
export function node(args: string[], options: RunOptions): Run {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
  // A user's shell has neither this shell's THREADLINE_* settings nor vitest's variables.
  for (const name of Object.keys(env))
    if (/^(THREADLINE_|VITEST|TEST$|NODE_ENV$)/.test(name)) delete env[name];
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { ...env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const check of waiters) check();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 45_000);
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>(
    (resolve) =>
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        for (const check of waiters) check();
        // The streams may still hold the last output when 'exit' fires.
        setImmediate(() => resolve({ code, signal, output }));
      }),
  );
  cleanups.add(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exit;
  });
  return {
    child,
    output: () => output,
    exit,
    waitFor: (pattern, ms = 30_000) =>
      new Promise<void>((resolve, reject) => {
        const fail = (why: string) => {
          waiters.delete(check);
          clearTimeout(limit);
          reject(new Error(`${why} before ${pattern}; output:\n${output}`));
        };
        const limit = setTimeout(() => fail(`timed out after ${ms} ms`), ms);
        const check = () => {
          if (pattern.test(output)) {
            waiters.delete(check);
            clearTimeout(limit);
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) fail('exited');
        };
        waiters.add(check);
        check();
      }),
  };
}

/** Runs to the end; resolves with the exit code and everything printed. */
export const runToEnd = (args: string[], options: RunOptions) => node(args, options).exit;
