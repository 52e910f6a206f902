// The real `threadline tui` in a real terminal: tmux runs the built command at
// 80x24, the test reads the screen with capture-pane and types with send-keys,
// as a user would.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@threadline/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run } from './cli.js';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
/** One tmux server per test, on its own socket in the temp folder: ending it ends only what the test started. */
let socket = '';
let sockets = 0;

/**
 * `threadline tui` runs its own engine with one worker thread per available CPU
 * (it has no pool-size option), and so does demo.sleep: jobs are sized per
 * thread so they last as long on any machine.
 */
const threads = availableParallelism();

/** Runs `threadline tui` in a new 80x24 terminal; the pane's shell says how it exited. */
function startTui(dataDir: string): void {
  socket = join(dir, `tmux-${++sockets}.sock`);
  // ink draws only the last frame when it thinks it runs on CI; a user's terminal is not CI.
  const command = `env -u CI -u CONTINUOUS_INTEGRATION -u VITEST '${process.execPath}' bin/threadline.js tui --data-dir '${dataDir}'; echo "the TUI exited with $?"`;
  tmux('new-session', '-d', '-s', 'tui', '-x', '80', '-y', '24', '-c', cliDir, command);
}

function endTerminal(): void {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
}

const tmux = (...args: string[]) =>
  // tmux's complaints go into the thrown error, not onto the test's output.
  execFileSync('tmux', ['-S', socket, '-f', join(dir, 'tmux.conf'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
const keys = (...names: string[]) => tmux('send-keys', '-t', 'tui', ...names);
const see = (text: string | RegExp, timeoutMs = 15_000) =>
  until(
    () => {
      const shown = screen();
      return (typeof text === 'string' ? shown.includes(text) : text.test(shown)) && shown;
    },
    () => `"${text}" in the terminal; it showed:\n${screen()}`,
    timeoutMs,
  );
const doneCount = (shown: string) => Number(/running\s+[█░]+ (\d+)\/\d+ items/.exec(shown)?.[1] ?? -1);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'threadline-tui-tmux-'));
  // The pane stays after the TUI exits, so its last words can be read; no status bar, so the TUI has all 24 rows.
  await writeFile(join(dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g status off\n');
});

afterEach(endTerminal);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Opens the start form for demo.sleep. */
async function openDemoSleepForm(): Promise<void> {
  keys('n');
  await see(/▶ demo\.sleep\s+Sleep \(demo\)/);
  keys('Enter');
  await see('Start demo.sleep');
}

describe('threadline tui in a terminal', () => {
  it('starts demo.sleep, shows the bar advance, cancels it, and quits with exit code 0', {
    timeout: 60_000,
  }, async () => {
    startTui(join(dir, 'data'));

    await see('No jobs yet', 30_000);
    await see('● live');
    expect(screen()).toMatch(/ n start\s+c cancel\s+f force\s+⏎ details\s+\/ filter\s+q quit/);

    await openDemoSleepForm();
    // 150 items of 100 ms per thread: 15 s, long enough to watch and cancel.
    const items = 150 * threads;
    keys('BSpace', 'BSpace');
    keys(String(items));
    await see(new RegExp(`items\\s+${items}`));
    keys('Down');
    keys('BSpace', 'BSpace', 'BSpace');
    keys('100');
    await see(/ms\s+100/);
    keys('Enter');

    const first = await see(
      new RegExp(`demo\\.sleep\\s+running\\s+[█░]+ \\d+/${items} items \\(\\d+\\.\\d%\\)`),
    );
    await until(
      () => doneCount(screen()) > doneCount(first) && doneCount(first) >= 0,
      'the count to advance',
    );
    await see(new RegExp(`running\\s+█+░+ \\d+/${items}`));
    for (const line of screen().split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    keys('c');
    await see(new RegExp(`demo\\.sleep\\s+cancelled\\s+[█░]+ \\d+/${items} items, \\d+ cancelled`));

    // The layout follows the terminal: wider, the header reaches the new right edge.
    tmux('resize-window', '-t', 'tui', '-x', '120', '-y', '30');
    await until(() => /● live$/m.test(screen()) && screen().split('\n')[0]!.length === 120, 'the resize');

    keys('q');
    // The shell in the pane prints the exit code once the TUI has left its alternate screen
    // (after the resize, that line may have scrolled into the pane's history: read it too).
    const all = () => tmux('capture-pane', '-p', '-S', '-', '-t', 'tui');
    const said = await until(
      () => /the TUI exited with \d+/.exec(all())?.[0],
      () => `the TUI to exit; it showed:\n${all()}`,
    );
    expect(said).toBe('the TUI exited with 0');
  });

  it('drains its jobs when the terminal closes under it, leaving them interrupted (none recorded as running)', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(dir, 'data-closed');
    startTui(dataDir);
    await see('● live', 30_000);
    await openDemoSleepForm();
    // 250 items of the default 250 ms per thread: about a minute, far longer than the test.
    const items = 250 * threads;
    keys('BSpace', 'BSpace');
    keys(String(items));
    await see(new RegExp(`items\\s+${items}`));
    keys('Enter');
    await see(/demo\.sleep\s+running/);

    // The terminal goes away: SIGHUP (twice, as the shell exits too), then EIO on every write.
    endTerminal();
    await until(() => !existsSync(join(dataDir, 'engine.owner')), 'the TUI to close its engine', 20_000);

    const list = await run(['list', '--json'], dataDir);
    expect(list.code, list.stderr).toBe(0);
    // Not cancelled (nobody asked for that): the items out finished, the rest wait for a resume.
    const jobs = JSON.parse(list.stdout) as { state: string; items: { failed: number; cancelled: number } }[];
    expect(jobs.map((job) => [job.state, job.items.failed, job.items.cancelled])).toEqual([
      ['interrupted', 0, 0],
    ]);
  });
});
