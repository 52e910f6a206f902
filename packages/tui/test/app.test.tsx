import type { Engine } from '@threadline/core';
import type { JobsView } from '@threadline/core/client';
import { until } from '@threadline/testing';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tuiJobsView } from '../src/state/view.js';
import { App } from '../src/ui/App.js';
import { startEngine } from './helpers/engine.js';

const BACKSPACE = '\u007f';
const DOWN = '\u001b[B';
const ENTER = '\r';

let engine: Engine;
let stop: () => Promise<void>;
let app: ReturnType<typeof render> | undefined;
let view: JobsView | undefined;

beforeEach(async () => {
  ({ engine, stop } = await startEngine());
});

afterEach(async () => {
  app?.unmount();
  app = undefined;
  view?.close();
  view = undefined;
  await stop();
});

function show(options: { local?: boolean } = {}) {
  view = tuiJobsView(engine);
  app = render(<App client={engine} view={view} local={options.local ?? true} where="test engine" />);
  return app;
}

const frame = () => app?.lastFrame() ?? '';
const see = (text: string | RegExp, timeoutMs?: number) =>
  until(
    () => (typeof text === 'string' ? frame().includes(text) : text.test(frame())) && frame(),
    () => `"${text}" on screen; last frame:\n${frame()}`,
    timeoutMs,
  );
const doneCount = () => Number(/running .*?[█░]+ (\d+)\/\d+ items/.exec(frame())?.[1] ?? -1);

describe('the TUI on its own engine', () => {
  it('starts demo.sleep from the form, shows the bar advance, and cancels it', async () => {
    const { stdin } = show();
    await see('No jobs yet');
    await see('● live');
    stdin.write('n');
    await see('demo.sleep');
    stdin.write(ENTER);
    await see('Start demo.sleep');
    stdin.write(`${BACKSPACE.repeat(2)}400${DOWN}${BACKSPACE.repeat(3)}50`);
    await see(/items\s+400/);
    await see(/ms\s+50/);
    stdin.write(ENTER);

    await see(/demo\.sleep\s+\w{4} running\s+\d+s .*[█░]+ \d+\/400 items \(\d+\.\d%\)/);
    const first = await until(() => doneCount() > 0 && doneCount(), 'some items done');
    await until(() => doneCount() > first, 'the count to advance');
    await see(/running .*█+░+ /);

    await see('1 running · 0 queued · 1 job');
    stdin.write('c');
    await see(/demo\.sleep\s+\w{4} cancelled/);
    // The status line follows the job: "Cancelling …" gives way to its final state.
    await see(/demo\.sleep \(j_\w+\) cancelled\./);
    const [job] = await engine.list();
    expect(job).toMatchObject({ name: 'demo.sleep', state: 'cancelled', input: { items: 400, ms: 50 } });
  });

  it('shows inline validation messages and does not start an invalid job', async () => {
    const { stdin } = show();
    stdin.write('n');
    await see('demo.sleep');
    stdin.write(ENTER);
    await see('Start demo.sleep');
    stdin.write(`${BACKSPACE.repeat(2)}0`);
    await see('✗ must be at least 1');
    stdin.write(ENTER);
    await see('Fix the fields in red first.');
    expect(await engine.list()).toEqual([]);
  });

  it('shows a job’s failed items in its details', async () => {
    const started = await engine.start('demo.sleep', { items: 4, ms: 0, failEvery: 2 }, { maxFailures: 3 });
    await engine.waitFor(started.id);
    const { stdin } = show();
    await see(/demo\.sleep\s+\w{4} partial/);
    stdin.write(ENTER);
    await see('Failures (2)');
    await see('maxFailures 3: it fails once that many items failed');
    await see('item 4 failed on purpose');
    expect(frame()).toContain('"failEvery":2');
    stdin.write('\u001b');
    await see('NAME');
  });

  it('filters the list with /', async () => {
    const done = await engine.start('demo.sleep', { items: 1, ms: 0 });
    await engine.waitFor(done.id);
    const { stdin } = show();
    await see(/demo\.sleep\s+\w{4} succeeded/);
    stdin.write('/');
    stdin.write('nothing-like-this');
    await see('No job matches "nothing-like-this"');
    stdin.write('\u001b');
    await see(/demo\.sleep\s+\w{4} succeeded/);
  });

  it('asks before quitting while its jobs run, then cancels them and exits', async () => {
    const job = await engine.start('demo.sleep', { items: 1000, ms: 100 });
    const { stdin } = show();
    await see(/demo\.sleep\s+\w{4} running/);
    stdin.write('q');
    await see('1 job is still running here. Cancel and quit?');
    stdin.write('y');
    await until(async () => (await engine.get(job.id))?.state === 'cancelled', 'the job to be cancelled');
    // Exiting unmounts ink, which stops reading the keyboard.
    await until(() => stdin.listenerCount('readable') === 0, 'the app to exit');
  });

  it('quits without asking when attached to a server: the jobs are not its own', async () => {
    const job = await engine.start('demo.sleep', { items: 1000, ms: 100 });
    const { stdin } = show({ local: false });
    await see(/demo\.sleep\s+\w{4} running/);
    stdin.write('q');
    await until(() => stdin.listenerCount('readable') === 0, 'the app to exit');
    expect((await engine.get(job.id))?.state).toBe('running');
  });

  it('renders at most ~10 times a second however fast events arrive', async () => {
    const { stdout } = show();
    await see('● live');
    const counting = new AbortController();
    let events = 0;
    void (async () => {
      for await (const _ of engine.events({ signal: counting.signal })) events += 1;
    })();
    // Items that succeed come as one event a tick; failed ones are an event each. Every
    // item failing at once (ms 0) makes as many events as the pool runs items.
    const job = await engine.start('demo.sleep', { items: 1_000_000, ms: 0, failEvery: 1 });
    await see(/demo\.sleep\s+\w{4} running/);
    const [rendersBefore, eventsBefore, started] = [stdout.frames.length, events, Date.now()];
    await until(() => Date.now() - started >= 2000, 'two seconds of events');
    const renders = stdout.frames.length - rendersBefore;
    counting.abort();
    await engine.cancel(job.id, { force: true });
    expect(events - eventsBefore).toBeGreaterThan(100);
    expect(renders).toBeGreaterThanOrEqual(1);
    expect(renders).toBeLessThanOrEqual(24);
  });
});
