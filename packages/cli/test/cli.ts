// Runs the built `threadline` command as a child process, the way a user does.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { JobClient } from '@threadline/core';
import { createTrpcClient } from '@threadline/trpc';
import { afterEach } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const NODE_MODULES = fileURLToPath(new URL('../../../node_modules', import.meta.url));

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

/** A project folder that resolves `threadline` as an installed one would. */
export function project(files: Record<string, string>, pkg: object = { type: 'module' }): string {
  const dir = tempDir();
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'p', private: true, ...pkg }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
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

export function threadline(
  args: string[],
  dataDir: string,
  cwd?: string,
  env: NodeJS.ProcessEnv = {},
): Running {
  const child = spawn(process.execPath, [MAIN, ...args], {
    ...(cwd ? { cwd } : {}),
    env: { ...process.env, THREADLINE_DATA_DIR: dataDir, NO_COLOR: '1', ...env },
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

/** A tRPC client of the server at the URL `threadline serve` printed, with the token in it. */
export function serverClient(printed: string): JobClient {
  const url = new URL(printed);
  const token = url.searchParams.get('token');
  return createTrpcClient(`${url.origin}/trpc`, token ? { token } : {});
}

/** Runs to the end; returns the exit code and output. */
export async function run(args: string[], dataDir: string, cwd?: string, env?: NodeJS.ProcessEnv) {
  const running = threadline(args, dataDir, cwd, env);
  const { code } = await running.exit;
  return { code, stdout: running.stdout(), stderr: running.stderr() };
}

/**
 * A project job whose items each append a line to their own file in `dir` once they have slept
 * `ms` (reporting progress meanwhile): a test counts how often each item really ran. Each also
 * leaves `<index>.started` as it starts, for a test to wait on.
 */
export const MARKERS_JOB = `import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, z } from 'threadline/job';

export default defineJob({
  name: 'test.markers',
  title: 'Markers',
  input: z.object({ dir: z.string(), n: z.number().int(), ms: z.number().int().default(0) }),
  items: (input) => Array.from({ length: input.n }, (_, i) => i),
  process: async (item: number, ctx, input) => {
    appendFileSync(join(input.dir, \`\${item}.started\`), '');
    for (let slept = 0; slept < input.ms; slept += 20) {
      ctx.progress(slept, input.ms);
      await sleep(Math.min(20, input.ms - slept));
    }
    appendFileSync(join(input.dir, String(item)), 'ran\\n');
    return item;
  },
  summarize: (items: number[]) => ({ count: items.length }),
});
`;

/** A project with the markers job and `config` (JSON), and its empty markers folder. */
export function markersProject(config: object = {}): { dir: string; markers: string } {
  const dir = project({
    'threadline.config.json': JSON.stringify({ jobs: ['./jobs/*.ts'], builtins: false, ...config }),
    'jobs/markers.ts': MARKERS_JOB,
  });
  const markers = join(dir, 'markers');
  mkdirSync(markers);
  return { dir, markers };
}

/** How many times each item ran, by index: the lines of its marker file. */
export function markerCounts(markers: string): Map<number, number> {
  return new Map(
    readdirSync(markers)
      .filter((name) => /^\d+$/.test(name))
      .map((name) => [
        Number(name),
        readFileSync(join(markers, name), 'utf8').split('\n').filter(Boolean).length,
      ]),
  );
}
