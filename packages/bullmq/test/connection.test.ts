// Which Redis a URL names: one server (redis://) or a cluster (redis+cluster://),
// and one clear line when the two are mixed up.
import { describe, expect, it } from 'vitest';
import { createBullmqClient, describeConnection, RedisUnavailableError } from '../src/index.js';
import { startRedis, startTarget } from './helpers.js';

describe('connecting to Redis', () => {
  it('refuses a single-node URL at a cluster node, and a cluster URL at a single server, saying which to give', async () => {
    const cluster = await startTarget('cluster');
    const node = cluster.url.slice('redis+cluster://'.length).split(',')[0]!;
    const single = createBullmqClient({ connection: `redis://${node}` });
    await expect(single).rejects.toThrow(RedisUnavailableError);
    await expect(single).rejects.toThrow(
      `Redis at redis://${node} is a node of a Redis Cluster: connect with redis+cluster://${node} (more nodes may follow, separated by commas)`,
    );
    const server = await startRedis();
    const port = new URL(server.url).port;
    await expect(createBullmqClient({ connection: `redis+cluster://127.0.0.1:${port}` })).rejects.toThrow(
      `cannot reach Redis at redis+cluster://127.0.0.1:${port}: ERR This instance has cluster support disabled (not a cluster node: give redis://host:port)`,
    );
    await expect(createBullmqClient({ connection: 'redis+cluster://' })).rejects.toThrow(
      'not a Redis Cluster URL: redis+cluster:// (give redis+cluster://host:port,host:port, one node or more)',
    );
  });

  it('names a cluster by its nodes, without the password', () => {
    expect(describeConnection('redis+cluster://me:secret@10.0.0.1:7000,10.0.0.2:7001')).toBe(
      'redis+cluster://10.0.0.1:7000,10.0.0.2:7001',
    );
    expect(describeConnection({ cluster: [{ host: 'a', port: 1 }] })).toBe('redis+cluster://a:1');
  });
});
