import { type ChildProcess, spawn } from 'node:child_process';
import { tempDir } from './cleanup.js';
import { freePort, stopChild, waitForLine } from './process.js';

export interface RedisServer {
  url: string;
  /** Stops the server; its port and files are kept for `start`. */
  stop(): Promise<void>;
  /** Starts it again, on the same port over the same files (with `appendonly`, the same data). */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  close(): Promise<void>;
}

/** A real redis-server on a free port of 127.0.0.1, its files in a temp dir; no RDB snapshots. */
export async function startRedis(options: { appendonly?: boolean } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = tempDir('redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir.path];
  args.push('--appendonly', options.appendonly ? 'yes' : 'no');
  let child: ChildProcess | undefined;
  const server: RedisServer = {
    url: `redis://127.0.0.1:${port}`,
    async start() {
      child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        await waitForLine(child, /Ready to accept connections/, 'redis-server');
      } catch (error) {
        await server.stop();
        throw error;
      }
    },
    async stop() {
      const stopping = child;
      child = undefined;
      if (stopping) await stopChild(stopping);
    },
    async close() {
      await server.stop();
      dir.remove();
    },
  };
  try {
    await server.start();
  } catch (error) {
    dir.remove();
    throw error;
  }
  return server;
}
