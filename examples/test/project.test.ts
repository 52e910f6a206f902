// The journey the READMEs promise: `npx threadline init my-app && cd my-app &&
// npm install && npx threadline serve`, and a project like examples/project/
// with its own jobs, config and watched folder. `npm install` is stood in for by
// a link to the repository's node_modules, where `threadline` is this workspace.
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT } from './readmes.js';
import { folder, node, runToEnd, THREADLINE } from './run.js';

const threadline = (args: string[], cwd: string) => runToEnd([THREADLINE, ...args], { cwd });
const npmInstall = (dir: string) => symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
const read = (file: string) => readFileSync(file, 'utf8');

describe('npx threadline init my-app', () => {
  it('writes the project examples/my-app shows, and says what to type next', async () => {
    const cwd = folder('init');
    const { code, output } = await threadline(['init', 'my-app'], cwd);
    expect(code, output).toBe(0);
    expect(output).toMatch(/^ {2}cd my-app$/m);
    expect(output).toMatch(/^ {2}npm install$/m);
    expect(output).toMatch(/^ {2}npx threadline serve\b/m);
    const app = join(cwd, 'my-app');
    for (const file of ['threadline.config.ts', 'jobs/count.ts']) {
      expect(read(join(app, file)), file).toBe(read(join(EXAMPLES, 'my-app', file)));
    }
    const pkg = JSON.parse(read(join(app, 'package.json')));
    expect(pkg).toMatchObject({ type: 'module', dependencies: { threadline: expect.any(String) } });
    expect(read(join(app, '.gitignore'))).toMatch(/^\.threadline\/$/m);
  });

  it('then npm install and npx threadline run / serve: its job runs, its history is in .threadline', async () => {
    const cwd = folder('init');
    expect((await threadline(['init', 'my-app'], cwd)).code).toBe(0);
    const app = join(cwd, 'my-app');
    npmInstall(app);

    const jobs = await threadline(['jobs'], app);
    expect(jobs.code, jobs.output).toBe(0);
    expect(jobs.output).toMatch(/example\.count/);

    const run = await threadline(['run', 'example.count', '--input', '{"to":3,"ms":10}'], app);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toMatch(/"sumOfSquares": 14/);
    expect(existsSync(join(app, '.threadline'))).toBe(true);

    const serve = node([THREADLINE, 'serve', '--port', '0'], { cwd: app });
    await serve.waitFor(/Threadline is serving http:\/\/127\.0\.0\.1:\d+\//);
    const url = new URL(/Threadline is serving (http:\/\/\S+)/.exec(serve.output())![1]!);
    const definitions = await (
      await fetch(`${url.origin}/trpc/jobs.definitions`, {
        headers: { authorization: `Bearer ${url.searchParams.get('token')}` },
      })
    ).text();
    expect(definitions).toMatch(/"example\.count"/);
    serve.child.kill('SIGINT');
    expect(await serve.exit).toMatchObject({ code: 0 });
  });
});

describe('examples/project', () => {
  /** The project in a folder of its own, installed. */
  function project(): string {
    const dir = folder('project');
    cpSync(join(EXAMPLES, 'project'), dir, { recursive: true });
    writeFileSync(join(dir, 'package.json'), '{ "type": "module", "dependencies": { "threadline": "*" } }\n');
    npmInstall(dir);
    return dir;
  }

  it('threadline config shows its jobs and settings, and where each came from', async () => {
    const dir = project();
    const { code, output } = await threadline(['config'], dir);
    expect(code, output).toBe(0);
    expect(output).toContain(`config:   ${join(dir, 'threadline.config.ts')}`);
    expect(output).toMatch(/^ {2}words\.count +jobs\/words\.ts$/m);
    expect(output).toMatch(/^ {2}files\.checksum +built-in$/m);
    expect(output).toMatch(new RegExp(`^  dataDir +${join(dir, '.threadline')} +config$`, 'm'));
    expect(output).toMatch(/^ {2}poolSize +2 +config$/m);
    expect(output).toMatch(/^watch: +1 folder\(s\): inbox$/m);
  });

  it('threadline run runs its job by name', async () => {
    const dir = project();
    writeFileSync(join(dir, 'notes.txt'), 'one two three\nfour five\n');
    const { code, output } = await threadline(['run', 'words.count', '--input', '{"file":"notes.txt"}'], dir);
    expect(code, output).toBe(0);
    expect(output).toMatch(/"words": 5/);
    expect(read(join(dir, 'notes.txt.words.json'))).toBe('{"lines":3,"words":5}\n');
  });

  it('threadline watch takes the folders and rules of its watch key', async () => {
    const dir = project();
    mkdirSync(join(dir, 'inbox'));
    const watch = node([THREADLINE, 'watch'], { cwd: dir });
    await watch.waitFor(/^watching .*inbox/m);
    writeFileSync(join(dir, 'inbox', 'a.txt'), 'a b c\n');
    writeFileSync(join(dir, 'inbox', 'b.bin'), 'xyz');
    await watch.waitFor(/^ok a\.txt -> done\/a\.txt, done\/a\.json/m);
    await watch.waitFor(/^ok b\.bin -> done\/b\.bin, done\/b\.bin\.sha256/m);
    expect(read(join(dir, 'inbox', 'done', 'a.json'))).toBe('{"lines":2,"words":3}\n');
    watch.child.kill('SIGINT');
    expect(await watch.exit).toMatchObject({ code: 0 });
  });
});
