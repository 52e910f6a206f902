// Following a fast job over a server, as `threadline run --server` does: the
// stream keeps up with 100,000 items (succeeded ones counted in `items`
// events, a failure an event each), the end has the right counts, and SIGTERM
// ends the follower at once however much the stream still holds.
import { describe, expect, it } from 'vitest';
import { tempDir, threadline } from './cli.js';

async function serve(data: string) {
  const server = threadline(['serve', '--port', '0'], data);
  await server.waitFor(/serving (http:\/\/\S+)/);
  return { server, url: /serving (http:\/\/\S+)/.exec(server.stdout())![1]! };
}

describe('run --server', () => {
  it('follows a 100,000-item job to its end with the right counts', async () => {
    const data = tempDir();
    const { server, url } = await serve(data);
    const input = JSON.stringify({ items: 100_000, ms: 0, failEvery: 1000 });
    const follower = threadline(['run', 'demo.sleep', '--server', url, '--input', input], data);
    const { code } = await follower.exit;
    expect(code, follower.stderr()).toBe(3);
    expect(follower.stdout()).toMatch(/^partial: 99900 succeeded, 100 failed, 0 cancelled of 100000$/m);
    // Every failure reached the follower, each once.
    expect(follower.stderr().match(/^failed /gm)).toHaveLength(100);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 180_000);

  it('ends at once on SIGTERM, leaving the job cancelled', async () => {
    const data = tempDir();
    const { server, url } = await serve(data);
    const input = JSON.stringify({ items: 1_000_000, ms: 0, failEvery: 10 });
    const follower = threadline(['run', 'demo.sleep', '--server', url, '--input', input], data);
    await follower.waitFor(/items/);
    follower.child.kill('SIGTERM');
    const { code } = await follower.exit;
    expect(code).toBe(130);
    expect(follower.stdout()).toMatch(/^cancelled: /m);
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  }, 180_000);
});
