// `threadline serve` as the CLI runs it: options parsed, URL printed, token when off loopback.
import { ValidationError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { runServe } from '../src/index.js';
import { onCleanup, tempDir } from './helpers.js';

describe('runServe', () => {
  it('serves on the given port and prints the URL with a generated token off loopback', async () => {
    const lines: string[] = [];
    const handle = await runServe(
      ['--port', '0', '--host', '0.0.0.0', '--data-dir', tempDir(), '--pool-size', '1'],
      {
        log: (line) => lines.push(line),
        handleSignals: false,
      },
    );
    onCleanup(() => handle?.close());
    const token = handle!.server.token!;
    expect(lines[0]).toMatch(
      new RegExp(`^Threadline is serving http://.+:${handle!.server.port}/\\?token=${token}$`),
    );
    const reply = await fetch(`http://127.0.0.1:${handle!.server.port}/trpc/jobs.definitions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reply.status).toBe(200);
  });

  it('prints its usage for --help and refuses bad options with a clear message', async () => {
    const lines: string[] = [];
    expect(await runServe(['--help'], { log: (line) => lines.push(line) })).toBeUndefined();
    expect(lines.join('\n')).toMatch(/--allow <dir>/);
    await expect(runServe(['--port', 'x'], { handleSignals: false })).rejects.toThrow(ValidationError);
    await expect(runServe(['--bogus'], { handleSignals: false })).rejects.toThrow(/Unknown option '--bogus'/);
  });
});
