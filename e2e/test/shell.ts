// The shell a user types in, for the install test: their environment (none of
// this run's npm or vitest variables, no PATH into the repository), commands
// run to their end or watched while they run, timings, and file listings.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild, until } from '@threadline/testing';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

// ---------------------------------------------------------------------------
// Processes

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

const children = new Set<ChildProcess>();

/** Stops every command started here that is still running. */
export const stopAll = () => Promise.all([...children].map((child) => stopChild(child, 3000)));

/**
 * The environment a user's shell would have: none of npm's or vitest's variables from the
 * run that started this test, no PATH entry into the repository (its node_modules/.bin has a
 * `threadline` too), no THREADLINE_* settings of the machine.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  for (const [key, value] of Object.entries(process.env)) {
    if (keep.has(key.toLowerCase())) env[key] = value;
    else if (
      !/^(npm_|THREADLINE_|VITEST|TINYPOOL|NODE_OPTIONS$|INIT_CWD$|CI$|CONTINUOUS_INTEGRATION$)/i.test(key)
    )
      env[key] = value;
  }
  const path = (process.env.PATH ?? '').split(delimiter).filter((p) => p && !resolve(p).startsWith(REPO));
  env.PATH = [dirname(process.execPath), ...path].join(delimiter);
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Starts a command as a user's shell would; it is stopped in afterAll if still running. */
export function start(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): ChildProcess {
  const child = spawn(command, args, { cwd, env: userEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs a command to its end (killed after `timeoutMs`) and collects its output. */
export function run(
  command: string,
  args: string[],
  cwd: string,
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Result> {
  const started = performance.now();
  const child = start(command, args, cwd, options.env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** What a failed command said, for an assertion's message. */
export const said = (r: Result) =>
  `exit ${r.code ?? r.signal}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** Collects a child's stdout and stderr; `waitFor` resolves on the first match in either. */
export function watchOutput(child: ChildProcess) {
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    out += chunk;
  });
  return {
    output: () => out,
    waitFor: (pattern: RegExp, what: string, timeoutMs = 30_000) =>
      until(
        () => {
          if (child.exitCode !== null) throw new Error(`${what}: exited ${child.exitCode} first:\n${out}`);
          return pattern.exec(out);
        },
        () => `${what}; it said:\n${out}`,
        timeoutMs,
      ),
  };
}

// ---------------------------------------------------------------------------
// Timings, printed as they happen and once more at the end for the report

export const timings: [string, number][] = [];
export function timed(step: string, ms: number): void {
  timings.push([step, ms]);
  console.log(`[e2e] ${step}: ${(ms / 1000).toFixed(1)} s`);
}
export async function step<T>(name: string, body: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await body();
  } finally {
    timed(name, performance.now() - started);
  }
}

// ---------------------------------------------------------------------------
// Files

/** Every file under `dir`, relative to it, with / separators. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path).split(sep).join('/'));
    }
  };
  walk(dir);
  return out;
}

/** Bytes of everything under `dir` (symlinks not followed). */
export function sizeOf(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += sizeOf(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}
