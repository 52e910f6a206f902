// `threadline serve` as the CLI runs it once its options are parsed: URL printed, and a
// token on loopback too, kept in the data directory.
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runServe, type ServeFlags } from '../src/index.js';
import { onCleanup, tempDir } from './helpers.js';

describe('runServe', () => {
  it('serves on the given port and prints the URL with a generated token off loopback', async () => {
    const lines: string[] = [];
    const handle = await runServe(
      { port: 0, host: '0.0.0.0', dataDir: tempDir(), poolSize: 1 },
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

  it('asks for a token on loopback too: made once in the data directory (mode 0600), the same after a restart', async () => {
    const dataDir = tempDir();
    const start = async (extra: ServeFlags = {}) => {
      const lines: string[] = [];
      const handle = await runServe(
        { port: 0, dataDir, poolSize: 1, ...extra },
        {
          log: (line) => lines.push(line),
          handleSignals: false,
        },
      );
      onCleanup(() => handle?.close());
      return { handle: handle!, lines, base: `http://127.0.0.1:${handle!.server.port}` };
    };
    const first = await start();
    const token = first.handle.server.token!;
    expect(first.lines[0]).toBe(
      `Threadline is serving http://127.0.0.1:${first.handle.server.port}/?token=${token}`,
    );
    const file = join(dataDir, 'token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await fetch(`${first.base}/trpc/jobs.definitions`)).status).toBe(401);
    expect((await fetch(`${first.base}/`)).status).toBe(401);
    await first.handle.close();

    const again = await start();
    expect(again.handle.server.token).toBe(token);
    const reply = await fetch(`${again.base}/trpc/jobs.definitions`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reply.status).toBe(200);
  });

  it('takes the token from a file, and serves without one only when told, saying it is unsafe', async () => {
    const dataDir = tempDir();
    const file = join(tempDir(), 'secret');
    writeFileSync(file, 'from-a-file\n');
    const lines: string[] = [];
    const options = { log: (line: string) => lines.push(line), handleSignals: false };
    const fromFile = await runServe({ port: 0, dataDir, tokenFile: file }, options);
    onCleanup(() => fromFile?.close());
    expect(fromFile!.server.token).toBe('from-a-file');
    expect(lines[0]).toMatch(/\?token=from-a-file$/);
    await fromFile!.close();

    lines.length = 0;
    const open = await runServe({ port: 0, dataDir, noToken: true }, options);
    onCleanup(() => open?.close());
    expect(lines[0]).toBe(`Threadline is serving http://127.0.0.1:${open!.server.port}/`);
    expect(lines[1]).toMatch(/no token \(unsafe\)/);
    expect((await fetch(`http://127.0.0.1:${open!.server.port}/trpc/jobs.definitions`)).status).toBe(200);
    await open!.close();

    await expect(runServe({ port: 0, host: '0.0.0.0', dataDir, noToken: true }, options)).rejects.toThrow(
      /without a token/,
    );
    await expect(runServe({ port: 0, dataDir, tokenFile: join(dataDir, 'nope') }, options)).rejects.toThrow(
      /--token-file: ENOENT/,
    );
  });
});
