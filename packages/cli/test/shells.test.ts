// One data directory, many shells: the engine that owns it serves it on its
// socket, and every other command on it attaches with no flag.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tempDir, threadline } from './cli.js';

describe('two shells on one data directory', () => {
  it('lists, runs and cancels in a second shell while the first runs a job there', async () => {
    const dir = tempDir();
    const owner = threadline(['run', 'demo.sleep', '--input', '{"items":400,"ms":100}'], dir);
    await owner.waitFor(/\d+\/400 items/);
    const socket = join(dir, 'engine.sock');
    expect(statSync(socket).mode & 0o777).toBe(0o600);

    const list = await run(['list', '--json'], dir);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stderr).toBe(`threadline: attached to the engine already running on ${dir}\n`);
    const [running] = JSON.parse(list.stdout) as { id: string; state: string }[];
    expect(running!.state).toBe('running');

    const second = await run(['run', 'demo.sleep', '--input', '{"items":3,"ms":1}'], dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('succeeded: 3 succeeded');

    const cancel = await run(['cancel', running!.id], dir);
    expect(cancel.code, cancel.stderr).toBe(0);
    expect((await owner.exit).code).toBe(130);
    expect(owner.stdout()).toMatch(/cancelled: \d+ succeeded/);
    expect(existsSync(socket)).toBe(false);

    // With the owner gone, a command opens the store itself.
    const after = await run(['list', '--json'], dir);
    expect(after.stderr).toBe('');
    expect((JSON.parse(after.stdout) as { state: string }[]).map((job) => job.state)).toEqual([
      'succeeded',
      'cancelled',
    ]);
  });

  it('takes over from an owner killed with SIGKILL, whose socket is left behind', async () => {
    const dir = tempDir();
    const owner = threadline(['run', 'demo.sleep', '--input', '{"items":400,"ms":100}'], dir);
    await owner.waitFor(/\d+\/400 items/);
    owner.child.kill('SIGKILL');
    await owner.exit;
    expect(existsSync(join(dir, 'engine.sock'))).toBe(true);
    const list = await run(['list', '--json'], dir);
    expect(list.code, list.stderr).toBe(0);
    expect((JSON.parse(list.stdout) as { state: string }[]).map((job) => job.state)).toEqual(['interrupted']);
  });
});
