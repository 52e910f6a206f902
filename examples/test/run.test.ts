// Runs every example as a user would: `node --import tsx <file>` (a job module:
// `threadline run <file>`) from a temp folder with a temp data directory. Each
// must exit 0 by itself (whatever it opened, it closed) and print its effect.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RedisServer, startRedis } from '@threadline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleFiles, ROOT } from './readmes.js';
import { folder, runToEnd, THREADLINE, TSX } from './run.js';

interface Example {
  /** Files it needs in its folder first. */
  files?: Record<string, string>;
  /** Arguments after the file: a job module runs through `threadline run <file>`. */
  job?: string[];
  redis?: boolean;
  /** What the output must show. */
  prints: RegExp[];
  /** What it must leave in its folder. */
  leaves?: Record<string, string | RegExp>;
}

const EXAMPLES: Record<string, Example> = {
  'examples/core-start-from-code.ts': {
    prints: [/^succeeded \{ files: 2, failed: 0, characters: 19 \}$/m],
    leaves: { 'a.txt.upper': 'HELLO', 'b.txt.upper': 'WORKER THREADS' },
  },
  'examples/core-typed-client.ts': {
    prints: [/sleptMs: 160/, /refused: \[\s*\{\s*path: 'items',\s*message: 'Invalid input: expected number/],
  },
  'examples/core-progress-cancel.ts': {
    prints: [
      /\d+\/20000000 numbers \(\d+\.\d%\) .* primes so far/,
      /^cancelling: enough$/m,
      /^primes\.count cancelled$/m,
      // Terminated after graceMs (500), not at once and not after the item's 60 s.
      /^demo\.sleep cancelled after ([5-9]\d\d|[1-4]\d\d\d) ms$/m,
    ],
  },
  'examples/jobs-builtins.ts': {
    prints: [
      /mode: 'create'[^}]*files: 2,/,
      /mode: 'verify'[^}]*ok: false[^}]*mismatched: \[ 'readme\.txt' \]/,
    ],
    leaves: { 'docs/SHA256SUMS': /^[0-9a-f]{64} {2}notes\/todo\.txt\n[0-9a-f]{64} {2}readme\.txt\n$/ },
  },
  'examples/trpc-server-client.ts': {
    prints: [
      /^succeeded \{ total: 10, succeeded: 10, failed: 0, cancelled: 0, sleptMs: 200 \}$/m,
      /^undefined$/m,
    ],
  },
  'examples/web-server.ts': {
    prints: [
      /^dashboard: http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/m,
      /^succeeded \{\s*mode: 'create',[^}]*files: 1,/m,
      /^refused: root: \/etc is outside the allowed folders/m,
    ],
  },
  'examples/bullmq-worker-client.ts': {
    redis: true,
    prints: [
      /^worker \S+: 2 threads, 7 jobs$/m,
      /^chunks: \d+ waiting, \d+ active$/m,
      /^succeeded \{ total: 20, succeeded: 20, failed: 0, cancelled: 0, sleptMs: 400 \}$/m,
    ],
  },
  'examples/jobs/text-upper.ts': {
    files: { 'a.txt': 'abc', 'b.txt': 'hello' },
    job: ['--input', '{"files":["a.txt","b.txt"]}'],
    prints: [/^succeeded: 2 succeeded, 0 failed, 0 cancelled of 2$/m, /"characters": 8/],
    leaves: { 'a.txt.upper': 'ABC', 'b.txt.upper': 'HELLO' },
  },
  'examples/jobs/count-primes.ts': {
    job: ['--input', '{"below":100000}'],
    prints: [/^succeeded: 1 succeeded/m, /"primes": 9592/],
  },
};

/** The examples a project folder holds; project.test.ts runs them inside a project made by `threadline init`. */
const IN_PROJECTS = /^examples\/(my-app|project)\//;

let redis: RedisServer | undefined;
beforeAll(async () => {
  if (Object.values(EXAMPLES).some((example) => example.redis)) redis = await startRedis();
}, 30_000);
afterAll(async () => {
  await redis?.close();
});

describe('examples', () => {
  it('are all run here or by project.test.ts', () => {
    expect(exampleFiles().filter((file) => !IN_PROJECTS.test(file))).toEqual(Object.keys(EXAMPLES).sort());
  });

  for (const [file, example] of Object.entries(EXAMPLES)) {
    it(`${file} runs, prints its effect and exits`, async () => {
      const cwd = folder();
      for (const [name, text] of Object.entries(example.files ?? {})) writeFileSync(join(cwd, name), text);
      const path = join(ROOT, file);
      const args = example.job ? [THREADLINE, 'run', path, ...example.job] : ['--import', TSX, path];
      const env = {
        THREADLINE_DATA_DIR: join(cwd, '.data'),
        ...(example.redis ? { THREADLINE_REDIS: redis!.url } : {}),
      };
      const { code, signal, output } = await runToEnd(args, { cwd, env });
      expect({ code, signal }, output).toEqual({ code: 0, signal: null });
      for (const pattern of example.prints) expect(output).toMatch(pattern);
      expect(output).not.toMatch(/Error|Warning/);
      for (const [name, content] of Object.entries(example.leaves ?? {})) {
        expect(existsSync(join(cwd, name)), name).toBe(true);
        const text = readFileSync(join(cwd, name), 'utf8');
        if (typeof content === 'string') expect(text, name).toBe(content);
        else expect(text, name).toMatch(content);
      }
    });
  }
});
