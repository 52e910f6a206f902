// Child processes the bench starts and always stops: a redis-server on a free
// port in a temp dir, and `threadline serve`. Each is stopped by its own pid.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `threadline-bench-${prefix}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Resolves with the first stdout line matching `pattern`; rejects if the child exits or times out first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 30_000) {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${out}${err}`)), timeoutMs);
    child.stderr?.on('data', (data: Buffer) => {
      err += data.toString();
    });
    child.stdout?.on('data', (data: Buffer) => {
      out += data.toString();
      const line = out.split('\n').find((l) => pattern.test(l));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready: ${out}${err}`));
    });
  });
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

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

export interface Redis {
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(): Promise<Redis> {
  const port = await freePort();
  const dir = tempDir('redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', [...args, '--dir', dir.path], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await waitForLine(child, /Ready to accept connections/, 'redis-server');
  } catch (error) {
    await stopChild(child);
    dir.remove();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
      dir.remove();
    },
  };
}

const require = createRequire(import.meta.url);

/** The built `threadline` CLI, or undefined when apps/cli has not been built (or has not landed). */
export function threadlineCli(): string | undefined {
  try {
    const main = join(dirname(require.resolve('@threadline/cli/package.json')), 'dist/main.js');
    return existsSync(main) ? main : undefined;
  } catch {
    return undefined;
  }
}

export interface Serve {
  child: ChildProcess;
  pid: number;
  origin: string;
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
  return {
    child,
    pid: child.pid!,
    origin,
    async stop() {
      await stopChild(child);
      dir.remove();
    },
  };
}
