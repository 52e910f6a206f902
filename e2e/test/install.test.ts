// Threadline as a user gets it: every public package is packed with `npm pack`,
// the tarballs are installed into a fresh project outside the repository (its
// other dependencies from the npm cache), and that project is used through the
// installed `threadline` command: init, jobs, run, the dashboard in Chromium,
// the TUI in tmux, a BullMQ worker on a real Redis, and the types and source
// maps as a user's tools see them.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedis, stopChild, type TempDir, tempDir, until } from '@threadline/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  filesUnder,
  REPO,
  type Result,
  run,
  said,
  sizeOf,
  start,
  step,
  stopAll,
  timings,
  userEnv,
  watchOutput,
} from './shell.js';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const TSC = join(REPO, 'node_modules/typescript/bin/tsc');
const CHROMIUM = '/usr/bin/chromium';

/** The public packages: folder under packages/, npm name, tarball `npm pack` writes. */
const PACKAGES = [
  { dir: 'core', name: '@threadline/core' },
  { dir: 'jobs', name: '@threadline/jobs' },
  { dir: 'trpc', name: '@threadline/trpc' },
  { dir: 'bullmq', name: '@threadline/bullmq' },
  { dir: 'tui', name: '@threadline/tui' },
  { dir: 'watch', name: '@threadline/watch' },
  { dir: 'web', name: '@threadline/web' },
  { dir: 'cli', name: 'threadline' },
].map((pkg) => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'packages', pkg.dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { ...pkg, tarball: `${pkg.name.replace('@', '').replace('/', '-')}-${version}.tgz` };
});

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

interface PackageJson {
  name: string;
  version: string;
  license?: string;
  engines?: { node?: string };
  exports?: Record<string, string | { types?: string; default?: string }>;
  dependencies?: Record<string, string>;
}

// ---------------------------------------------------------------------------
// The project

let root: TempDir;
let tarballs: string;
let project: string;
let packed: Map<string, { files: string[]; pkg: PackageJson }>;
let initOutput: Result;
let browser: Browser | undefined;
let redis: RedisServer | undefined;
let tmuxSocket: string | undefined;

const threadline = (args: string[], options: { timeoutMs?: number } = {}) =>
  run('npx', ['--no-install', 'threadline', ...args], project, options);
/** The installed command itself (no npx in between), for the long-running ones stopped with a signal. */
const bin = () => join(project, 'node_modules/.bin/threadline');

beforeAll(async () => {
  for (const pkg of PACKAGES) {
    const main = join(REPO, 'packages', pkg.dir, 'dist/index.js');
    if (!existsSync(main))
      throw new Error(`${main} is missing: run \`npx turbo run build\` at the root first`);
  }
  root = tempDir('e2e-install');
  tarballs = join(root.path, 'tarballs');
  project = join(root.path, 'my-project');
  mkdirSync(tarballs);
  mkdirSync(project);

  // 1. npm pack, from the repository root, every public workspace.
  const pack = await step('npm pack (8 packages)', () =>
    run(
      'npm',
      ['pack', '--pack-destination', tarballs, ...PACKAGES.flatMap((p) => ['--workspace', p.name])],
      REPO,
      { timeoutMs: 120_000 },
    ),
  );
  if (pack.code !== 0) throw new Error(`npm pack failed: ${said(pack)}`);
  packed = new Map();
  for (const pkg of PACKAGES) {
    const file = join(tarballs, pkg.tarball);
    const files = execFileSync('tar', ['tzf', file], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line && !line.endsWith('/'))
      .map((line) => line.replace(/^package\//, ''));
    const manifest = execFileSync('tar', ['xzfO', file, 'package/package.json'], { encoding: 'utf8' });
    packed.set(pkg.name, { files, pkg: JSON.parse(manifest) as PackageJson });
    console.log(`[e2e] ${pkg.tarball}: ${files.length} files, ${mb(statSync(file).size)}`);
  }

  // 2. A fresh project that depends on the tarballs. They are not on the registry, so the
  // @threadline/* dependencies between them are pinned to the tarballs too (overrides).
  const deps = Object.fromEntries(PACKAGES.map((p) => [p.name, `file:../tarballs/${p.tarball}`]));
  const typesNode = JSON.parse(readFileSync(join(REPO, 'node_modules/@types/node/package.json'), 'utf8')) as {
    version: string;
  };
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify(
      {
        name: 'my-project',
        version: '0.1.0',
        private: true,
        type: 'module',
        dependencies: deps,
        // For the type check a user's editor does: their own @types/node (the repository's version).
        devDependencies: { '@types/node': typesNode.version },
        overrides: deps,
      },
      null,
      2,
    )}\n`,
  );
  const install = await step('npm install (tarballs + registry cache)', () =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project, { timeoutMs: 300_000 }),
  );
  if (install.code !== 0) throw new Error(`npm install failed: ${said(install)}`);
  const size = sizeOf(join(project, 'node_modules'));
  const count = readdirSync(join(project, 'node_modules')).length;
  console.log(`[e2e] node_modules: ${mb(size)} (${count} top-level entries)`);
  console.log(`[e2e] npm install said: ${install.stdout.trim().split('\n').at(-1)}`);

  // 3. `threadline init` in the installed project, then what it says to type next.
  initOutput = await step('threadline init', () => threadline(['init']));
  if (initOutput.code !== 0) throw new Error(`threadline init failed: ${said(initOutput)}`);
  const again = await step('npm install (after init, as it says)', () =>
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], project, { timeoutMs: 300_000 }),
  );
  if (again.code !== 0) throw new Error(`npm install after init failed: ${said(again)}`);
});

afterAll(async () => {
  await browser?.close().catch(() => {});
  if (tmuxSocket) endTmux();
  await stopAll();
  await redis?.close();
  // THREADLINE_E2E_KEEP=1 keeps the tarballs and the project, to look around in after a failure.
  if (process.env.THREADLINE_E2E_KEEP) console.log(`[e2e] kept ${root?.path}`);
  else root?.remove();
  console.log(
    `[e2e] timings:\n${timings.map(([name, ms]) => `  ${name.padEnd(48)} ${(ms / 1000).toFixed(1)} s`).join('\n')}`,
  );
});

describe('the packed tarballs', () => {
  it.each(PACKAGES)('$name ships LICENSE, README.md, package.json and dist/, and no tests', ({ name }) => {
    const { files } = packed.get(name)!;
    expect(files).toContain('LICENSE');
    expect(files).toContain('README.md');
    expect(files).toContain('package.json');
    expect(files.some((f) => f.startsWith('dist/'))).toBe(true);
    expect(files.filter((f) => /(^|\/)(test|tests|__tests__)\//.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)fixtures?(\/|$)/.test(f))).toEqual([]);
    expect(files.filter((f) => /\.test\./.test(f))).toEqual([]);
    expect(files.filter((f) => /(^|\/)tsconfig[^/]*\.json$|\.tsbuildinfo$/.test(f))).toEqual([]);
  });

  it('the web tarball has the built page', () => {
    expect(packed.get('@threadline/web')!.files).toContain('dist/page/index.html');
  });

  it.each(PACKAGES)(
    '$name: license MIT, engines.node, exports with types that are in the tarball',
    ({ name }) => {
      const { files, pkg } = packed.get(name)!;
      expect(pkg.license).toBe('MIT');
      expect(pkg.engines?.node).toMatch(/^>=\s*\d+/);
      const entries = Object.entries(pkg.exports ?? {}).filter(([key]) => key !== './package.json');
      expect(entries.length).toBeGreaterThan(0);
      for (const [key, target] of entries) {
        expect(typeof target, `exports["${key}"]`).toBe('object');
        const { types, default: main } = target as { types?: string; default?: string };
        expect(types, `exports["${key}"].types`).toMatch(/\.d\.ts$/);
        expect(files, `exports["${key}"].types`).toContain(types!.replace(/^\.\//, ''));
        expect(files, `exports["${key}"].default`).toContain(main!.replace(/^\.\//, ''));
      }
      // The @threadline dependencies are ranges the tarballs satisfy, not workspace protocols.
      for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
        if (dep.startsWith('@threadline/')) expect(range, dep).toMatch(/^\^?\d+\.\d+\.\d+/);
      }
    },
  );
});

describe('the installed project', () => {
  it('took every @threadline package from the tarballs, one copy each', () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; version?: string }>;
    };
    for (const { name, tarball } of PACKAGES) {
      const copies = Object.entries(lock.packages).filter(([path]) => path.endsWith(`node_modules/${name}`));
      expect(copies.map(([path]) => path)).toEqual([`node_modules/${name}`]);
      expect(copies[0]![1].resolved).toMatch(new RegExp(`^file:.*${tarball.replace(/\./g, '\\.')}$`));
    }
  });

  it('threadline init wrote the project and said what to type next', () => {
    for (const file of ['threadline.config.ts', 'jobs/count.ts', 'package.json']) {
      expect(existsSync(join(project, file)), file).toBe(true);
    }
    expect(initOutput.stdout).toMatch(/npm install/);
    expect(initOutput.stdout).toMatch(/npx threadline serve/);
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as PackageJson;
    expect(pkg.dependencies?.threadline).toMatch(/^file:/);
  });

  it('threadline jobs lists the project job example.count', async () => {
    const jobs = await step('threadline jobs', () => threadline(['jobs']));
    expect(jobs.code, said(jobs)).toBe(0);
    expect(jobs.stdout).toMatch(/^example\.count — Count \(example\)/m);
  });

  it("threadline run example.count --input '{}' succeeds", async () => {
    const r = await step('threadline run example.count', () =>
      threadline(['run', 'example.count', '--input', '{}']),
    );
    expect(r.code, said(r)).toBe(0);
    expect(r.stdout).toMatch(/^succeeded: 20 succeeded, 0 failed, 0 cancelled of 20$/m);
    // The history is the config's dataDir, inside the project.
    expect(existsSync(join(project, '.threadline'))).toBe(true);
    const list = await threadline(['list', '--json']);
    expect(list.code, said(list)).toBe(0);
    const jobs = JSON.parse(list.stdout) as { name: string; state: string }[];
    expect(jobs.map((j) => `${j.name} ${j.state}`)).toContain('example.count succeeded');
  });

  it('a TypeScript job of the project (importing a TypeScript module of its own) runs by name', async () => {
    mkdirSync(join(project, 'lib'));
    writeFileSync(
      join(project, 'lib/text.ts'),
      `export enum Case { Lower = 'lower', Upper = 'upper' }
export interface LineCount { words: number; longest: string }
export function countLine(line: string, casing: Case): LineCount {
  const words = line.split(/\\s+/).filter(Boolean);
  const longest = words.reduce((a, b) => (b.length > a.length ? b : a), '');
  return { words: words.length, longest: casing === Case.Upper ? longest.toUpperCase() : longest };
}
`,
    );
    writeFileSync(
      join(project, 'jobs/words.ts'),
      `import { defineJob, z } from 'threadline/job';
import { Case, countLine, type LineCount } from '../lib/text.js';

export default defineJob({
  name: 'project.words',
  title: 'Count words',
  input: z.object({
    text: z.string().default('one two\\nthree'),
    casing: z.enum(Case).default(Case.Upper),
  }),
  unit: 'lines',
  items: (input) => input.text.split('\\n'),
  process: (line: string, ctx, input): LineCount => {
    ctx.throwIfCancelled();
    return countLine(line, input.casing);
  },
  summarize: (counts: LineCount[]) => ({
    lines: counts.length,
    words: counts.reduce((sum, c) => sum + c.words, 0),
    longest: counts.map((c) => c.longest).reduce((a, b) => (b.length > a.length ? b : a), ''),
  }),
});
`,
    );
    const jobs = await threadline(['jobs']);
    expect(jobs.code, said(jobs)).toBe(0);
    expect(jobs.stdout).toMatch(/^project\.words — Count words/m);
    const r = await step('threadline run project.words (TS job)', () =>
      threadline([
        'run',
        'project.words',
        '--input',
        JSON.stringify({ text: 'alpha beta\ngamma delta epsilon' }),
      ]),
    );
    expect(r.code, said(r)).toBe(0);
    expect(r.stdout).toMatch(/^succeeded: 2 succeeded, 0 failed, 0 cancelled of 2$/m);
    expect(r.stdout).toContain('"words": 5');
    expect(r.stdout).toContain('"longest": "EPSILON"');
  });
});

describe('the dashboard, served by the project', () => {
  it('shows example.count in the job picker, starts it from its form and sees it succeed', async () => {
    const serve = start(bin(), ['serve', '--port', '0'], project);
    const out = watchOutput(serve);
    const url = (
      await step('threadline serve: listening', () =>
        out.waitFor(/Threadline is serving (http:\/\/\S+)/, 'threadline serve to listen'),
      )
    )[1]!;

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await step('dashboard: page live in Chromium', async () => {
      await page.goto(url);
      await page.getByTestId('connection').filter({ hasText: 'live' }).waitFor({ timeout: 15_000 });
    });

    const tab = page.getByRole('tab', { name: /example\.count/ });
    await tab.waitFor({ timeout: 10_000 });
    await tab.click();
    const form = page.getByTestId('form-example.count');
    await form.waitFor();
    const historyIds = () =>
      page
        .locator('[data-testid="history-job"]')
        .evaluateAll((rows) =>
          rows.map((row) => `${row.getAttribute('data-job-id')} ${row.getAttribute('data-state')}`),
        );
    const before = new Set((await historyIds()).map((row) => row.split(' ')[0]));
    await step('dashboard: example.count started and succeeded', async () => {
      await form.getByRole('button', { name: 'Start' }).click();
      await expect
        .poll(async () => (await historyIds()).filter((row) => !before.has(row.split(' ')[0])), {
          timeout: 30_000,
        })
        .toEqual([expect.stringMatching(/ succeeded$/)]);
    });
    const jobId = (await historyIds()).find((row) => !before.has(row.split(' ')[0]))!.split(' ')[0]!;
    const row = page.locator(`[data-testid="history-job"][data-job-id="${jobId}"]`);
    expect(await row.textContent()).toMatch(/example\.count|Count \(example\)/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'installed-dashboard.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();

    await stopChild(serve);
    expect(serve.exitCode ?? serve.signalCode, out.output()).toBe(0);
  });
});

// ---------------------------------------------------------------------------
// tmux, on a socket of its own: ending its server ends only what this test started

const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-S', tmuxSocket!, '-f', join(root.path, 'tmux.conf'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: userEnv(),
  });
function endTmux(): void {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
}

describe('the TUI, in a terminal', () => {
  it('lists example.count in its start picker, starts it and shows it succeeded', async () => {
    tmuxSocket = join(root.path, 'tmux.sock');
    writeFileSync(join(root.path, 'tmux.conf'), 'set -g remain-on-exit on\nset -g status off\n');
    tmux(
      'new-session',
      '-d',
      '-s',
      'tui',
      '-x',
      '100',
      '-y',
      '30',
      '-c',
      project,
      'npx threadline tui; echo "the TUI exited with $?"',
    );
    const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
    const keys = (...names: string[]) => tmux('send-keys', '-t', 'tui', ...names);
    const see = (text: RegExp, timeoutMs = 15_000) =>
      until(
        () => text.test(screen()) && screen(),
        () => `${text} in the terminal; it showed:\n${screen()}`,
        timeoutMs,
      );

    await step('tui: live', () => see(/● live/, 30_000));
    // The history already has the example.count runs of the steps before: this one is one more.
    // A row: the job's name, its id's last four characters, its state.
    const row = /example\.count\s+\w{4}\s+succeeded/g;
    const succeeded = (shown: string) => shown.match(row)?.length ?? 0;
    await see(new RegExp(row.source));
    const before = succeeded(screen());
    keys('n');
    await see(/example\.count\s+Count \(example\)/);
    // Down to example.count, wherever the picker lists it.
    for (let i = 0; i < 30 && !/▶ example\.count/.test(screen()); i++) {
      const shown = screen();
      keys('Down');
      await until(() => screen() !== shown, 'the cursor to move', 5000);
    }
    await see(/▶ example\.count/);
    keys('Enter');
    await see(/Start example\.count/);
    keys('Enter');
    await step('tui: example.count succeeded', () =>
      until(
        () => succeeded(screen()) === before + 1 && / 0 running /.test(screen()),
        () => `example.count to succeed; the terminal showed:\n${screen()}`,
        30_000,
      ),
    );

    keys('q');
    const all = () => tmux('capture-pane', '-p', '-S', '-', '-t', 'tui');
    const exit = await until(
      () => /the TUI exited with \d+/.exec(all())?.[0],
      () => `the TUI to exit; it showed:\n${all()}`,
    );
    expect(exit).toBe('the TUI exited with 0');
    endTmux();
    tmuxSocket = undefined;
  });
});

describe('BullMQ: a worker of the project on a real Redis', () => {
  it('threadline run example.count --redis runs on threadline worker and succeeds', async () => {
    redis = await startRedis();
    const worker = start(bin(), ['worker', '--redis', redis.url], project);
    const out = watchOutput(worker);
    await step('threadline worker: taking items', () =>
      out.waitFor(/taking items from/, 'threadline worker to start'),
    );
    const r = await step('threadline run example.count --redis', () =>
      threadline(['run', 'example.count', '--input', '{}', '--redis', redis!.url]),
    );
    expect(r.code, `${said(r)}\n--- worker\n${out.output()}`).toBe(0);
    expect(r.stdout).toMatch(/^succeeded: 20 succeeded, 0 failed, 0 cancelled of 20$/m);
    await stopChild(worker, 10_000);
    expect(worker.exitCode, out.output()).toBe(0);
  });
});

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
