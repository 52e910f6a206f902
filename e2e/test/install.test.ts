// Threadline as a user gets it, in the project the global setup (setup.ts)
// installed from the packed tarballs: what the tarballs ship, then the project
// used through the installed `threadline` command: init, jobs, run, the
// dashboard in Chromium, the TUI in tmux, a BullMQ worker on a real Redis. The
// types and source maps, as a user's tools see them, are types.test.ts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type RedisServer,
  startRedis,
  startTmux,
  stopChild,
  type TmuxTerminal,
  until,
} from '@threadline/testing';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { bin, installed, PACKAGES, type PackageJson, threadline } from './project.js';
import { said, start, step, stopAll, timings, userEnv, watchOutput } from './shell.js';

const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

const { project, packed: byName, initOutput, root } = installed();
const packed = new Map(Object.entries(byName));

let browser: Browser | undefined;
let redis: RedisServer | undefined;
let terminal: TmuxTerminal | undefined;

afterAll(async () => {
  await browser?.close().catch(() => {});
  terminal?.end();
  await stopAll();
  await redis?.close();
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

describe('the TUI, in a terminal', () => {
  it('lists example.count in its start picker, starts it and shows it succeeded', async () => {
    // tmux, on a socket of its own: ending its server ends only what this test started.
    terminal = startTmux({
      dir: root,
      command: 'npx threadline tui',
      cwd: project,
      x: 100,
      y: 30,
      env: userEnv(),
    });
    const { screen, keys, see } = terminal;

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
    expect(await terminal.exitLine()).toBe('the TUI exited with 0');
    terminal.end();
    terminal = undefined;
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
