// The types and source maps of the packed packages, as a user's tools see them
// in the project the global setup (setup.ts) installed: tsc under NodeNext and
// bundler resolution, and every source a map names.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installed, PACKAGES } from './project.js';
import { filesUnder, REPO, run, said, step } from './shell.js';

const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const { project } = installed();

describe('the types, as a user compiles against them', () => {
  const ENTRIES = `import { defineConfig, type ThreadlineConfig } from 'threadline';
import { CancelledError, defineJob, type JobInputOf, writeFileAtomic, z } from 'threadline/job';
import { createEngine, type Engine, type JobSnapshot, typedClient } from '@threadline/core';
import { type JobContext, defineJob as defineCoreJob } from '@threadline/core/job';
import { formatBytes, formatProgressLine } from '@threadline/core/format';
import { type BuiltinJobInputs, builtinJobs } from '@threadline/jobs';
import { type AppRouter, createAppRouter, createTrpcClient } from '@threadline/trpc';
import { createBullmqClient, runBullmqWorker } from '@threadline/bullmq';
import { runTui } from '@threadline/tui';
import { runWatch } from '@threadline/watch';
import { createServer, runServe } from '@threadline/web';

export const config: ThreadlineConfig = defineConfig({ jobs: ['./jobs/*.ts'], dataDir: '.threadline' });

const shout = defineJob({
  name: 'types.shout',
  title: 'Shout',
  input: z.object({ words: z.array(z.string()).default([]), out: z.string().default('out.txt') }),
  items: (input) => input.words,
  process: async (word: string, ctx: JobContext) => {
    if (ctx.signal.aborted) throw new CancelledError();
    return word.toUpperCase();
  },
  summarize: (words: string[]) => words.join(' '),
});
export const other = defineCoreJob({ name: 'types.other', title: 'Other', input: z.object({}), run: () => 1 });

type Inputs = BuiltinJobInputs & { 'types.shout': JobInputOf<typeof shout> };

export async function main(): Promise<JobSnapshot> {
  const engine: Engine = await createEngine({ registry: builtinJobs, dataDir: '.threadline' });
  const client = typedClient<Inputs>(engine);
  // @ts-expect-error demo.sleep's items is a number
  await client.start('demo.sleep', { items: 'many' });
  await client.start('types.shout', { words: ['a'] });
  await writeFileAtomic('out.txt', formatBytes(1536));
  const router: AppRouter = createAppRouter(engine, { pingMs: 1000 });
  void [router, createTrpcClient, createBullmqClient, runBullmqWorker, runTui, runWatch];
  void [createServer, runServe, formatProgressLine];
  return client.start('demo.sleep', { items: 3 });
}
`;

  const check = async (name: string, options: Record<string, unknown>) => {
    mkdirSync(join(project, 'types'), { recursive: true });
    writeFileSync(join(project, 'types/entries.ts'), ENTRIES);
    const file = `tsconfig.${name}.json`;
    writeFileSync(
      join(project, file),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023'],
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
          ...options,
        },
        include: ['types/entries.ts'],
      }),
    );
    const r = await step(`tsc ${name}`, () => run(process.execPath, [TSC, '-p', file], project));
    expect(r.stdout + r.stderr, said(r)).toBe('');
    expect(r.code).toBe(0);
  };

  it('type-checks every public entry under module NodeNext, skipLibCheck false', () =>
    check('nodenext', { module: 'NodeNext', moduleResolution: 'NodeNext' }));

  it('type-checks every public entry under module ESNext + moduleResolution bundler, skipLibCheck false', () =>
    check('bundler', { module: 'ESNext', moduleResolution: 'bundler' }));
});

describe('the source maps, as installed', () => {
  it.each(PACKAGES)(
    'every source of every $name dist/**/*.js.map is in the installed package',
    ({ name }) => {
      const dir = join(project, 'node_modules', name);
      const maps = filesUnder(join(dir, 'dist')).filter((f) => f.endsWith('.js.map'));
      expect(maps.length).toBeGreaterThan(0);
      const missing: string[] = [];
      for (const map of maps) {
        const file = join(dir, 'dist', map);
        const text = readFileSync(file, 'utf8');
        expect(() => JSON.parse(text), `dist/${map} is JSON`).not.toThrow();
        const { sources, sourceRoot, sourcesContent } = JSON.parse(text) as {
          sources: string[];
          sourceRoot?: string;
          sourcesContent?: (string | null)[];
        };
        expect(sources.length, map).toBeGreaterThan(0);
        sources.forEach((source, i) => {
          if (typeof sourcesContent?.[i] === 'string') return;
          const at = resolve(dirname(file), sourceRoot ?? '', source);
          if (!at.startsWith(dir + sep) || !existsSync(at)) missing.push(`dist/${map} → ${source}`);
        });
      }
      expect(missing).toEqual([]);
    },
  );
});
