// The screens a user reaches from the list, on a real engine: the help, details
// that scroll, the mouse, no colour, and a server that stops answering.

import { stripVTControlCharacters } from 'node:util';
import type { Engine, JobClient, JobEvent } from '@threadline/core';
import type { JobsView } from '@threadline/core/client';
import { until } from '@threadline/testing';
import chalk from 'chalk';
import { render } from 'ink-testing-library';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tuiJobsView } from '../src/state/view.js';
import { watchedClient } from '../src/state/watchdog.js';
import { App } from '../src/ui/App.js';
import { ColorContext } from '../src/ui/color.js';
import { startEngine } from './helpers/engine.js';

const ENTER = '\r';
const ESC = '\u001b';
const click = (column: number, row: number) => `\u001b[<0;${column};${row}M`;
const wheelDown = (row: number) => `\u001b[<65;10;${row}M`;

let engine: Engine;
let stop: () => Promise<void>;
let app: ReturnType<typeof render> | undefined;
let view: JobsView | undefined;
let level: typeof chalk.level;

beforeEach(async () => {
  ({ engine, stop } = await startEngine());
  level = chalk.level;
  chalk.level = 1;
});

afterEach(async () => {
  chalk.level = level;
  app?.unmount();
  app = undefined;
  view?.close();
  view = undefined;
  await stop();
});

function show(options: { client?: JobClient; local?: boolean; color?: boolean } = {}) {
  const client = options.client ?? engine;
  view = tuiJobsView(client);
  app = render(
    <ColorContext.Provider value={options.color ?? true}>
      <App client={client} view={view} local={options.local ?? true} where="test engine" />
    </ColorContext.Provider>,
  );
  return app;
}

const frame = () => app?.lastFrame() ?? '';
const plain = () => stripVTControlCharacters(frame());
const see = (text: string | RegExp, timeoutMs?: number) =>
  until(
    () => (typeof text === 'string' ? plain().includes(text) : text.test(plain())) && plain(),
    () => `"${text}" on screen; last frame:\n${plain()}`,
    timeoutMs,
  );
const footer = () => plain().trimEnd().split('\n').at(-1) ?? '';

describe('the screens of the TUI', () => {
  it('opens the help with ?, h or F1, lists every key there, and goes back with esc', async () => {
    const { stdin } = show();
    await see('No jobs yet');
    expect(footer()).toMatch(/\? help/);
    for (const key of ['?', 'h', '\u001bOP']) {
      stdin.write(key);
      await see('Keys · esc goes back');
      expect(plain()).toMatch(/PgUp PgDn\s+a page up or down/);
      expect(plain()).toMatch(/g G {2}Home End\s+the first or the last job/);
      stdin.write(ESC);
      await see('No jobs yet');
    }
  });

  it('scrolls the details past the failures that fit, with the keys and the wheel', async () => {
    const job = await engine.start('demo.sleep', { items: 60, ms: 0, failEvery: 2 });
    await engine.waitFor(job.id);
    const { stdin } = show();
    await see(/demo\.sleep\s+\w{4} partial/);
    stdin.write(ENTER);
    await see('Failures (30)');
    // Two threads: the failures are listed as they came, not quite in order.
    const shown = () => [...plain().matchAll(/#(\d+): item \1 failed on purpose/g)].map((m) => Number(m[1]));
    await until(() => shown().length > 0, 'the failures listed');
    expect(shown().length).toBeLessThan(30);
    expect(plain()).toMatch(/of \d+ lines · ↓ more/);
    // A page at a time (PgDn) down to the logs, every failure is on one of the screens.
    const seen = new Set(shown());
    while (!plain().includes('Logs (0)')) {
      const before = plain();
      stdin.write('\u001b[6~');
      await until(() => plain() !== before, 'the page to scroll');
      for (const n of shown()) seen.add(n);
    }
    expect(seen.size).toBe(30);
    stdin.write('g');
    await see('Items   60 total');
    stdin.write('G');
    await see('Logs (0)');
    stdin.write('g');
    await see('Items   60 total');
    stdin.write(wheelDown(10));
    await until(() => !plain().includes('Items   60 total'), 'the wheel to scroll the details');
  });

  it('selects a row with a click', async () => {
    const first = await engine.start('demo.sleep', { items: 1, ms: 0 });
    await engine.waitFor(first.id);
    const second = await engine.start('demo.sleep', { items: 2, ms: 0 });
    await engine.waitFor(second.id);
    const { stdin } = show();
    // Newest first: the second job is selected, on row 3 (header, column titles, then jobs).
    await see(new RegExp(`▶ demo\\.sleep\\s+${second.id.slice(-4)}`));
    stdin.write(click(20, 4));
    await see(new RegExp(`▶ demo\\.sleep\\s+${first.id.slice(-4)}`));
    // The report is not typed as keys: no filter, no start form.
    expect(plain()).toContain('NAME');
    stdin.write(ENTER);
    await see(first.id);
  });

  it('selects a schedule with a click and moves with the wheel on the schedules screen', async () => {
    for (const every of ['1h', '10m']) {
      const first = await engine.start('demo.sleep', { items: 1, ms: 0 }, { every });
      await engine.waitFor(first.id);
    }
    const { stdin } = show();
    await see('● live');
    stdin.write('s');
    await see(/▶ demo\.sleep\s+1h/);
    // Row 4: the header, the column titles, the first schedule, then this one.
    stdin.write(click(5, 4));
    await see(/▶ demo\.sleep\s+10m/);
    stdin.write('\u001b[<64;5;4M');
    await see(/▶ demo\.sleep\s+1h/);
  });

  it('draws no colour when colour is off, and keeps the selection visible', async () => {
    const job = await engine.start('demo.sleep', { items: 1, ms: 0 });
    await engine.waitFor(job.id);
    show({ color: false });
    await see(/▶ demo\.sleep\s+\w{4} succeeded/);
    // SGR colour parameters: 30–39, 40–49, 90–97, 100–107.
    const colours = [...frame().matchAll(new RegExp(`${ESC}\\[([0-9;]*)m`, 'g'))].flatMap((m) =>
      m[1]!.split(';').map(Number),
    );
    expect(colours.filter((n) => (n >= 30 && n <= 49) || (n >= 90 && n <= 107))).toEqual([]);
    // Inverse (7) still marks the selected row.
    expect(colours).toContain(7);
  });

  it('says disconnected when the server stops answering, greys live rows, turns actions off, and comes back by itself', async () => {
    const flaky = stoppable(engine);
    const job = await engine.start('demo.sleep', { items: 400, ms: 100 });
    const { stdin } = show({
      client: watchedClient(flaky.client, { probeMs: 200, timeoutMs: 500 }),
      local: false,
    });
    await see(/demo\.sleep\s+\w{4} running/);
    await see('● live');

    flaky.down = true;
    await see('○ disconnected', 5000);
    await see('Disconnected: the server does not answer (connect ECONNREFUSED');
    expect(footer()).not.toMatch(/c cancel|n start/);
    // The running row is grey (90), not cyan (36).
    const row = frame()
      .split('\n')
      .find((line) => line.includes(job.id.slice(-4)))!;
    expect(row).toContain('\u001b[90mrunning');
    stdin.write('c');
    await see('Disconnected: cancel is off until the server answers again.');
    expect((await engine.get(job.id))?.state).toBe('running');

    flaky.down = false;
    await see('● live', 15_000);
    await engine.cancel(job.id, { force: true });
    // Events missed while down and after are all there: the row reaches its final state.
    await see(/demo\.sleep\s+\w{4} cancelled/);
  });
});

/** `engine` as a server that can stop answering: calls fail and the stream goes quiet (as tRPC's does). */
function stoppable(target: Engine) {
  const state = { down: false, client: undefined as unknown as JobClient };
  const refuse = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:7420'));
  state.client = new Proxy(target as JobClient, {
    get(client, property) {
      const value = Reflect.get(client, property, client);
      if (typeof value !== 'function') return value;
      if (property === 'events') {
        return (options?: Parameters<JobClient['events']>[0]) => quietWhileDown(client.events(options));
      }
      return (...args: unknown[]) => (state.down ? refuse() : value.apply(client, args));
    },
  });
  async function* quietWhileDown(events: AsyncIterable<JobEvent>) {
    for await (const event of events) {
      if (state.down) await until(() => !state.down, 'the server back', 60_000);
      yield event;
    }
  }
  return state;
}
