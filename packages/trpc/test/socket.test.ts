import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTrpcClient, serveOnSocket } from '../src/index.js';
import { collect, onCleanup, openEngine, tempDir } from './helpers.js';

describe('the API on a Unix socket', () => {
  it('serves the engine to a client on the same machine, owner only, and removes the socket when it closes', async () => {
    const engine = await openEngine();
    const path = join(tempDir(), 'engine.sock');
    const socket = await serveOnSocket(engine, path);
    expect(statSync(path).isSocket()).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const client = createTrpcClient('http://localhost/trpc', { socketPath: path });
    onCleanup(() => client.close());
    expect((await client.definitions()).map((d) => d.name)).toEqual(['test.sleep']);
    const job = await client.start('test.sleep', { items: 3, ms: 1 });
    const events = await collect(client.events({ jobId: job.id, after: 0 }));
    expect(events.at(-1)).toMatchObject({ type: 'finished', state: 'succeeded' });

    const long = await client.start('test.sleep', { items: 100, ms: 100 });
    await client.cancel(long.id);
    await collect(client.events({ jobId: long.id, after: 0 }));
    expect((await engine.get(long.id))?.state).toBe('cancelled');

    await socket.close();
    expect(() => statSync(path)).toThrow(/ENOENT/);
    await expect(client.definitions()).rejects.toThrow();
  });
});
