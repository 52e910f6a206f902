// How the package reaches Redis. Long-lived connections retry forever (a Redis
// that goes away mid-run is waited for); the first contact is a quick probe,
// so a wrong URL is a one-line error instead of a silent hang.
import { ThreadlineError } from '@threadline/core';
import { Redis, type RedisOptions } from 'ioredis';

/** A Redis URL (`redis://host:6379/0`) or ioredis options. */
export type RedisConnection = string | RedisOptions;

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
export async function evictionWarning(redis: Redis, connection: RedisConnection): Promise<string | null> {
  const info = await redis.info('memory');
  const policy = /^maxmemory_policy:(\S+)/m.exec(info)?.[1];
  if (!policy || policy === 'noeviction') return null;
  return `Redis at ${describeConnection(connection)} has maxmemory-policy ${policy}: it may evict a job's keys under memory pressure and leave that job unfinished; set maxmemory-policy noeviction`;
}

/** The connection as a person would name it, without its password. */
export function describeConnection(connection: RedisConnection): string {
  if (typeof connection !== 'string') {
    return `redis://${connection.host ?? '127.0.0.1'}:${connection.port ?? 6379}`;
  }
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
export function openRedis(connection: RedisConnection, extra: RedisOptions = {}): Redis {
  const options: RedisOptions = { maxRetriesPerRequest: null, ...extra };
  const redis =
    typeof connection === 'string'
      ? new Redis(connection, options)
      : new Redis({ ...connection, ...options });
  // Without a listener ioredis prints every reconnect failure; outages surface as waiting commands instead.
  redis.on('error', () => {});
  return redis;
}

/** Checks that Redis answers, or throws a RedisUnavailableError naming the URL and the cause. */
export async function probeRedis(connection: RedisConnection, timeoutMs = 3000): Promise<void> {
  let lastError: unknown;
  const redis = openRedis(connection, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', (error) => {
    lastError = error;
  });
  let version: string | undefined;
  try {
    await redis.connect();
    // A service that refuses INFO still answers PING: its version is then not checked here.
    version = await redis.info('server').then(
      (info) => /^redis_version:(\S+)/m.exec(info)?.[1],
      async () => void (await redis.ping()),
    );
  } catch (error) {
    const cause = lastError ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RedisUnavailableError(`cannot reach Redis at ${describeConnection(connection)}: ${reason}`);
  } finally {
    redis.disconnect();
  }
  // The scripts that end a job at maxmemory carry a shebang flag (allow-oom), which Redis 7 brought.
  if (version && Number(version.split('.')[0]) < 7)
    throw new RedisUnavailableError(
      `Redis at ${describeConnection(connection)} is ${version}; Threadline's BullMQ backend needs Redis 7 or later`,
    );
}
