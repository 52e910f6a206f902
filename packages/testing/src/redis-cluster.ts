import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { tempDir } from './cleanup.js';
import { freePort, stopChild, waitForLine } from './process.js';

const run = promisify(execFile);

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:<port>,...`: every master, as the BullMQ backend takes a cluster. */
  url: string;
  nodes: { host: string; port: number }[];
  /** Stops every node and removes their files. */
  close(): Promise<void>;
}

/** `redis-cli -p <port> <args>`'s output. */
const cli = async (port: number, ...args: string[]) =>
  (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args])).stdout;

/**
 * A real Redis Cluster of `masters` (default 3) redis-servers on free ports of 127.0.0.1, no
 * replicas, their files in temp dirs; resolved once every node reports `cluster_state:ok` with
 * all slots served and every node known, so a client's first command lands.
 */
export async function startRedisCluster(
  options: { masters?: number; timeoutMs?: number } = {},
): Promise<RedisCluster> {
  const masters = options.masters ?? 3;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const dirs = Array.from({ length: masters }, () => tempDir('redis-cluster'));
  const children: ChildProcess[] = [];
  const nodes: { host: string; port: number }[] = [];
  const close = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
    for (const dir of dirs) dir.remove();
  };
  try {
    // Each node's own port and its cluster bus port (cluster-port: not the default port + 10000, which may be taken).
    const ports = new Set<number>();
    while (ports.size < masters * 2) ports.add(await freePort());
    const [...all] = ports;
    for (let i = 0; i < masters; i++) {
      const port = all[2 * i]!;
      const child = spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--cluster-port',
          String(all[2 * i + 1]),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dirs[i]!.path,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      children.push(child);
      await waitForLine(child, /Ready to accept connections/, `redis-server (cluster node ${port})`);
      nodes.push({ host: '127.0.0.1', port });
    }
    const addresses = nodes.map((n) => `${n.host}:${n.port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes']);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const infos = await Promise.all(nodes.map((n) => cli(n.port, 'cluster', 'info')));
      const ready = infos.every(
        (info) =>
          /^cluster_state:ok/m.test(info) &&
          /^cluster_slots_ok:16384/m.test(info) &&
          new RegExp(`^cluster_known_nodes:${masters}\\b`, 'm').test(info),
      );
      if (ready) break;
      if (Date.now() > deadline)
        throw new Error(`the Redis Cluster did not become ready: ${infos.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { url: `redis+cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`, nodes, close };
}
