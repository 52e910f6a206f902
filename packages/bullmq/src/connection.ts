// How the package reaches Redis: one server, or a Redis Cluster. Long-lived
// connections retry forever (a Redis that goes away mid-run is waited for); the
// first contact is a quick probe, so a wrong URL is a one-line error instead of
// a silent hang.
import { ThreadlineError } from '@threadline/core';
import { Cluster, type ClusterNode, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

/** A Redis Cluster by some of its nodes (ioredis finds the rest), with ioredis's cluster options. */
export interface ClusterConnection {
  cluster: { host: string; port: number }[];
  options?: ClusterOptions;
}

/**
 * One Redis: a URL (`redis://host:6379/0`) or ioredis options. A Redis Cluster: a
 * `redis+cluster://[user:password@]host:port,host:port` URL (`rediss+cluster://` for TLS)
 * naming one or more of its nodes, or a ClusterConnection.
 */
export type RedisConnection = string | RedisOptions | ClusterConnection;

/** A connection to one Redis or to a Redis Cluster: both run every command the package sends. */
export type RedisClient = Redis | Cluster;

/** Redis cannot be reached: a wrong URL, a server that is not running, a refused password. */
export class RedisUnavailableError extends ThreadlineError {
  override readonly code = 'REDIS_UNAVAILABLE';
  override name = 'RedisUnavailableError';
}

/** Redis refused a write: its used memory is over its maxmemory, and it evicts nothing to make room. */
export class RedisOutOfMemoryError extends ThreadlineError {
  override readonly code = 'REDIS_OUT_OF_MEMORY';
  override name = 'RedisOutOfMemoryError';
}

/** Redis's own OOM reply (`OOM command not allowed when used memory > 'maxmemory'`), ours or BullMQ's. */
const isOomReply = (error: unknown) => error instanceof Error && error.message.startsWith('OOM ');

/** The error as the package reports it: Redis's OOM reply becomes a RedisOutOfMemoryError saying what to do. */
export function asRedisError(error: unknown): unknown {
  if (error instanceof RedisOutOfMemoryError || !isOomReply(error)) return error;
  return new RedisOutOfMemoryError(
    `Redis is out of memory (${(error as Error).message.replace(/\.?\s*script:.*$/s, '')}): raise its maxmemory, free memory, or keep fewer finished jobs (retention.maxJobs)`,
  );
}

/**
 * A warning when Redis may evict keys under memory pressure, null when it may not. An evicted
 * job record or chunk is a job that never ends; with `noeviction` a full Redis refuses writes
 * instead, which the package turns into failed items and a final state. Read from INFO, which
 * managed Redis services answer where they refuse CONFIG GET.
 */
export async function evictionWarning(
  redis: RedisClient,
  connection: RedisConnection,
): Promise<string | null> {
  // On a cluster, every master: the deployment's slot may be on any of them, after a failover on another.
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  for (const node of nodes) {
    const info = await node.info('memory');
    const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
    if (!policy || policy === 'noeviction') continue;
    const where = redis instanceof Cluster ? `${node.options.host}:${node.options.port} of ` : '';
    return `Redis at ${where}${describeConnection(connection)} has maxmemory-policy ${policy}: it may evict a job's keys under memory pressure and leave that job unfinished; set maxmemory-policy noeviction`;
  }
  return null;
}

const CLUSTER_URL = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/;

/**
 * The cluster a connection names, or null for one Redis. A cluster URL without a node is a
 * RedisUnavailableError: it is where the connection's errors are said.
 */
function clusterOf(connection: RedisConnection): ClusterConnection | null {
  if (typeof connection !== 'string') return 'cluster' in connection ? connection : null;
  if (!/^rediss?\+cluster:/.test(connection)) return null;
  const match = CLUSTER_URL.exec(connection);
  const nodes = (match?.[3] ?? '').split(',').filter(Boolean);
  const cluster = nodes.map((node) => {
    const at = node.lastIndexOf(':');
    const host = (at > 0 ? node.slice(0, at) : node).replace(/^\[|\]$/g, '');
    const port = at > 0 ? Number(node.slice(at + 1)) : 6379;
    return { host, port };
  });
  if (!match || cluster.length === 0 || cluster.some((n) => !n.host || !Number.isInteger(n.port))) {
    throw new RedisUnavailableError(
      `not a Redis Cluster URL: ${connection} (give redis+cluster://host:port,host:port, one node or more)`,
    );
  }
  const [user, password] = (match[2] ?? '').split(':').map(decodeURIComponent);
  const redisOptions: RedisOptions = {
    ...(user ? { username: user } : {}),
    ...(password ? { password } : {}),
    ...(match[1] === 'rediss' ? { tls: {} } : {}),
  };
  return { cluster, options: { redisOptions } };
}

/** The connection as a person would name it, without its password. */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection !== 'string') {
    if ('cluster' in connection)
      return `redis+cluster://${connection.cluster.map((n) => `${n.host}:${n.port}`).join(',')}`;
    return `redis://${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
  }
  const cluster = /^(rediss?\+cluster:\/\/)(?:[^@/]*@)?(.*)$/.exec(connection);
  if (cluster) return cluster[1]! + cluster[2]!;
  try {
    const url = new URL(connection);
    url.password = '';
    url.username = '';
    return url.href;
  } catch {
    return connection;
  }
}

/**
 * A connection that waits out outages: commands queue while Redis is away and
 * run when it returns (BullMQ requires `maxRetriesPerRequest: null` for this).
 */
export function openRedis(
  connection: RedisConnection,
  extra: RedisOptions = {},
  clusterExtra: ClusterOptions = {},
): RedisClient {
  const options: RedisOptions = { maxRetriesPerRequest: null, ...extra };
  const cluster = clusterOf(connection);
  let redis: RedisClient;
  if (cluster) {
    const given = cluster.options ?? {};
    redis = new Cluster(
      cluster.cluster as ClusterNode[],
      {
        ...given,
        ...clusterExtra,
        // BullMQ's blocking commands need this on every node's connection too.
        redisOptions: { ...given.redisOptions, ...options },
        maxRetriesPerRequest: options.maxRetriesPerRequest,
      } as ClusterOptions,
    );
  } else {
    redis =
      typeof connection === 'string'
        ? new Redis(connection, options)
        : new Redis({ ...(connection as RedisOptions), ...options });
  }
  // Without a listener ioredis prints every reconnect failure; outages surface as waiting commands instead.
  redis.on('error', () => {});
  return redis;
}

/** Checks that Redis answers, or throws a RedisUnavailableError naming the URL and the cause. */
export async function probeRedis(connection: RedisConnection, timeoutMs = 3000): Promise<void> {
  const where = describeConnection(connection);
  let lastError: unknown;
  const isCluster = clusterOf(connection) !== null;
  const redis = openRedis(
    connection,
    {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    },
    { lazyConnect: true, enableOfflineQueue: false, clusterRetryStrategy: () => null },
  );
  redis.on('error', (error) => {
    lastError = error;
  });
  const versions: string[] = [];
  let clusterNode = false;
  try {
    const connecting = redis.connect();
    // Given up on by the timeout, it rejects later, as the finally disconnects it: not unhandled.
    connecting.catch(() => {});
    await withTimeout(connecting, timeoutMs * 2);
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    for (const node of nodes) {
      // A service that refuses INFO still answers PING: its version is then not checked here.
      const info = await node.info().then(
        (text) => text,
        async () => void (await node.ping()),
      );
      const version = info ? /^redis_version:(\S+)/m.exec(info)?.[1] : undefined;
      if (version) versions.push(version);
      if (info && /^cluster_enabled:1/m.test(info)) clusterNode = true;
    }
  } catch (error) {
    const cause = lastError ?? error;
    // ioredis Cluster says only "Failed to refresh slots cache"; the node's own error says why.
    const nodeError = (cause as { lastNodeError?: unknown }).lastNodeError;
    const why = nodeError instanceof Error ? nodeError : cause;
    const reason = why instanceof Error ? why.message : String(why);
    const hint =
      isCluster && /cluster support disabled/i.test(reason)
        ? ' (not a cluster node: give redis://host:port)'
        : '';
    throw new RedisUnavailableError(`cannot reach Redis at ${where}: ${reason}${hint}`);
  } finally {
    redis.disconnect();
  }
  // One node of a cluster would answer, then refuse every key of another shard's slots (MOVED).
  if (clusterNode && !isCluster) {
    const url = new URL(typeof connection === 'string' ? connection : where);
    throw new RedisUnavailableError(
      `Redis at ${where} is a node of a Redis Cluster: connect with redis+cluster://${url.host} (more nodes may follow, separated by commas)`,
    );
  }
  // The scripts that end a job at maxmemory carry a shebang flag (allow-oom), which Redis 7 brought.
  const old = versions.find((version) => Number(version.split('.')[0]) < 7);
  if (old)
    throw new RedisUnavailableError(
      `Redis at ${where} is ${old}; Threadline's BullMQ backend needs Redis 7 or later`,
    );
}

/** A cluster whose seeds answer but whose slots are not all served never connects: give up as a single server would. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
