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
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    const cause = lastError ?? error;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new RedisUnavailableError(`cannot reach Redis at ${describeConnection(connection)}: ${reason}`);
  } finally {
    redis.disconnect();
  }
}
