// The resume key: `r` on a job that did not succeed runs what is left of it as
// a new job, selected in its place; details say which job resumes which.
import type { Engine } from '@threadline/core';
import type { JobsView } from '@threadline/core/client';
import { until } from '@threadline/testing';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tuiJobsView } from '../src/state/view.js';
import { App } from '../src/ui/App.js';
import { startEngine, type TestEngine } from './helpers/engine.js';

const ENTER = '\r';
const ESC = '\u001b';

let test: TestEngine;
let engine: Engine;
let app: ReturnType<typeof render> | undefined;
let view: JobsView | undefined;

beforeEach(async () => {
  test = await startEngine();
  engine = test.engine;
});

afterEach(async () => {
  app?.unmount();
  app = undefined;
  view?.close();
  view = undefined;
  await test.stop();
});

function show() {
  view = tuiJobsView(engine);
  app = render(<App client={engine} view={view} local where="test engine" />);
  return app;
}

const frame = () => app?.lastFrame() ?? '';
const see = (text: string | RegExp) =>
  until(
    () => (typeof text === 'string' ? frame().includes(text) : text.test(frame())) && frame(),
    () => `"${text}" on screen; last frame:\n${frame()}`,
  );
/** The footer: the last line drawn. */
const footer = () => frame().trimEnd().split('\n').at(-1) ?? '';

describe('resuming a job from the TUI', () => {
  it('retries a partial job’s failures with r: the new job is selected, and each says which one it resumes', async () => {
    const old = await engine.waitFor(
      (await engine.start('demo.sleep', { items: 4, ms: 0, failEvery: 2 })).id,
    );
    expect(old.state).toBe('partial');
    const { stdin } = show();
    await see(/▶ demo\.sleep\s+\w{4} partial/);
    expect(footer()).toMatch(/n start\s+r retry failed\s+⏎ details/);
    // An ended job cannot be cancelled: c and f are not offered for it.
    expect(footer()).not.toContain('c cancel');

    stdin.write('r');
    const resumed = await until(
      async () => (await engine.get(old.id))?.resumedAs,
      'the engine to record the resume',
    );
    // The same items fail again (failEvery is in the input): the new job is partial too.
    await see(`demo.sleep (${resumed}) partial.`);
    stdin.write(ENTER);
    await see(new RegExp(`demo\\.sleep partial\\s+Sleep \\(demo\\) · ${resumed}`));
    await see(`Resumes ${old.id}: what succeeded there is not run again`);
    expect(frame()).toMatch(/Items\s+4 total · 2 ok · 2 failed/);

    stdin.write(ESC);
    await see('NAME');
    stdin.write('j');
    stdin.write(ENTER);
    await see(`Resumed as ${resumed}`);
    // What it did stays its own: its failures are still there to read.
    await see('Failures (2)');
    // Once resumed, a job is not resumed again: the key says so and is no longer offered.
    expect(footer()).not.toContain(' r ');
    stdin.write('r');
    await see(`Cannot resume: job ${old.id} was resumed already, as ${resumed}.`);
    expect((await engine.list()).length).toBe(2);
  });

  it('shows why an interrupted job stopped, and resumes it from its details until it succeeds', async () => {
    const job = await engine.start('demo.sleep', { items: 12, ms: 100 });
    await until(
      async () => ((await engine.get(job.id))?.items.succeeded ?? 0) >= 2,
      'a few items to succeed',
    );
    engine = await test.restart();
    const { stdin } = show();
    await see(/▶ demo\.sleep\s+\w{4} interrupted /);
    stdin.write(ENTER);
    await see('Reason  the engine stopped');
    expect(footer()).toMatch(/esc back\s+r resume/);

    stdin.write('r');
    // Details follow the new job.
    await see(`Resumes ${job.id}`);
    await see(/demo\.sleep succeeded/);
    await see(/Items\s+12 total · 12 ok · 0 failed/);
    const resumed = (await engine.get(job.id))!.resumedAs!;
    expect(await engine.get(resumed)).toMatchObject({ state: 'succeeded', resumeOf: job.id });
  });

  it('does not offer r for a job that succeeded or still runs, and says why when it is pressed', async () => {
    const done = await engine.waitFor((await engine.start('demo.sleep', { items: 1, ms: 0 })).id);
    const { stdin } = show();
    await see(/▶ demo\.sleep\s+\w{4} succeeded/);
    expect(footer()).toMatch(/n start\s+⏎ details/);
    stdin.write('r');
    await see(`Cannot resume: job ${done.id} succeeded: nothing to resume (start it again to redo it).`);

    const running = await engine.start('demo.sleep', { items: 1000, ms: 100 });
    await see(/▶ demo\.sleep\s+\w{4} running/);
    expect(footer()).not.toContain(' r ');
    stdin.write('r');
    await see(`Cannot resume: job ${running.id} is running: it can be resumed once it has ended.`);
    await engine.cancel(running.id, { force: true });
    expect((await engine.list()).length).toBe(2);
  });

  it('shows the engine’s refusal when another shell resumed the job first', async () => {
    const old = await engine.waitFor(
      (await engine.start('demo.sleep', { items: 2, ms: 0, failEvery: 2 })).id,
    );
    const { stdin } = show();
    await see(/▶ demo\.sleep\s+\w{4} partial/);
    const elsewhere = await engine.resume(old.id);
    await see(/demo\.sleep\s+\w{4} partial[^\n]*\n[^\n]*demo\.sleep\s+\w{4} partial/);
    stdin.write('j');
    stdin.write('r');
    await see(`Cannot resume: job ${old.id} was resumed already, as ${elsewhere.id}`);
    expect((await engine.list()).length).toBe(2);
  });
});
