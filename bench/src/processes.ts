// Child processes the bench starts and always stops (`threadline serve`, the
// items measure's runs; a redis-server comes from @threadline/testing), and
// what /proc says of them.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir as makeTempDir, stopChild, type TempDir, waitForLine } from '@threadline/testing';

export const tempDir = (prefix: string): TempDir => makeTempDir(`bench-${prefix}`);

/** Resident memory of a process (all its threads), from /proc; undefined where /proc is missing. */
export function rssOf(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) a process has used, in ms, from /proc; NaN where /proc is missing. */
export function cpuMsOf(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return Number.NaN;
  }
}

/**
 * Runs a plain JavaScript file in a Node process of its own (no tsx: what it measures is its own),
 * with one JSON argument, and parses the JSON line it prints last. Rejects if it fails or times out.
 */
export async function runNodeChild<T>(file: URL, arg: unknown, timeoutMs: number): Promise<T> {
  const child = spawn(process.execPath, [fileURLToPath(file), JSON.stringify(arg)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (data: Buffer) => {
    out += data.toString();
  });
  child.stderr.on('data', (data: Buffer) => {
    err += data.toString();
  });
  const timer = setTimeout(() => void stopChild(child), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  const last = out.trim().split('\n').at(-1) ?? '';
  if (code !== 0 || !last.startsWith('{')) {
    const why = code === null ? `stopped after ${timeoutMs / 1000} s` : `exited ${code}`;
    throw new Error(`${basename(fileURLToPath(file))} ${why}: ${(err || out).trim().split('\n').at(-1)}`);
  }
  return JSON.parse(last) as T;
}

const require = createRequire(import.meta.url);

/** The built `threadline` CLI, or undefined when packages/cli has not been built (or has not landed). */
export function threadlineCli(): string | undefined {
  try {
    const main = join(dirname(require.resolve('threadline/package.json')), 'dist/main.js');
    return existsSync(main) ? main : undefined;
  } catch {
    return undefined;
  }
}

export interface Serve {
  child: ChildProcess;
  pid: number;
  origin: string;
  /** The header a local user's client sends: the token serve keeps in its data directory. */
  auth: Record<string, string>;
  stop(): Promise<void>;
}

/** `threadline serve --port 0` on a fresh data dir; resolves once it prints its URL. */
export async function startServe(cli: string, poolSize: number): Promise<Serve> {
  const dir = tempDir('serve');
  const args = ['serve', '--port', '0', '--data-dir', join(dir.path, 'data'), '--allow', dir.path];
  const child = spawn(process.execPath, [cli, ...args, '--pool-size', String(poolSize)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: dir.path,
  });
  let line: string;
  try {
    line = await waitForLine(child, /serving http/, 'threadline serve');
  } catch (error) {
    await stopChild(child);
    dir.remove();
    throw error;
  }
  const origin = /(http:\/\/[^/\s]+)/.exec(line)![1]!;
  const token = readFileSync(join(dir.path, 'data', 'token'), 'utf8').trim();
  return {
    child,
    pid: child.pid!,
    origin,
    auth: { authorization: `Bearer ${token}` },
    async stop() {
      await stopChild(child);
      dir.remove();
    },
  };
}
