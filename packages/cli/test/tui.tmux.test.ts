// The real `threadline tui` in a real terminal: tmux runs the built command at
// 80x24, the test reads the screen with capture-pane and types with send-keys,
// as a user would.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { useTmux } from './tmux.js';

const terminal = useTmux('threadline-tui-tmux-');
const { tmux, screen, keys, see } = terminal;
const endTerminal = terminal.end;

/**
 * `threadline tui` runs its own engine with one worker thread per available CPU
 * (it has no pool-size option), and so does demo.sleep: jobs are sized per
 * thread so they last as long on any machine.
 */
const threads = availableParallelism();

/** Runs `threadline tui` in a new 80x24 terminal; the pane's shell says how it exited. */
const startTui = (dataDir: string): void => terminal.start(['tui', '--data-dir', dataDir]);
const dir = () => terminal.dir();
const doneCount = (shown: string) => Number(/running .*?[█░]+ (\d+)\/\d+ items/.exec(shown)?.[1] ?? -1);

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
    startTui(join(dir(), 'data'));

    await see('No jobs yet', 30_000);
    await see('● live');
    expect(screen()).toMatch(/ n start\s+\/ filter\s+s schedules\s+\? help\s+q quit/);

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

    const first = await see(new RegExp(`demo\\.sleep\\s+\\w{4} running .*?[█░]+ \\d+/${items} items`));
    await until(
      () => doneCount(screen()) > doneCount(first) && doneCount(first) >= 0,
      'the count to advance',
    );
    await see(new RegExp(`running .*?█+░+ \\d+/${items}`));
    for (const line of screen().split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    keys('c');
    await see(new RegExp(`demo\\.sleep\\s+\\w{4} cancelled .*?[█░]+ \\d+/${items} items, \\d+ cancelled`));

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
    const dataDir = join(dir(), 'data-closed');
    startTui(dataDir);
    await see('● live', 30_000);
    await openDemoSleepForm();
    // 250 items of the default 250 ms per thread: about a minute, far longer than the test.
    const items = 250 * threads;
    keys('BSpace', 'BSpace');
    keys(String(items));
    await see(new RegExp(`items\\s+${items}`));
    keys('Enter');
    await see(/demo\.sleep\s+\w{4} running/);

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
