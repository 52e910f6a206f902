// The schedules screen of the real `threadline tui` in a real terminal (tmux,
// read with capture-pane, typed with send-keys): two schedules made by
// `threadline run --every` in an earlier shell are listed with their next runs
// counting down; one is paused (and resumed) and the other removed, another
// shell sees the same, and quitting leaves the next run waiting for the next
// engine.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from '@threadline/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { run, threadline } from './cli.js';

const cliDir = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
/** One tmux server per terminal, on its own socket in the temp folder: ending it ends only what the test started. */
let socket = '';
let sockets = 0;

/** Runs `threadline tui` in a new terminal of that size; the pane's shell says how it exited. */
function startTui(dataDir: string, size: { x: number; y: number }): void {
  socket = join(dir, `tmux-${++sockets}.sock`);
  // ink draws only the last frame when it thinks it runs on CI; a user's terminal is not CI.
  const command = `env -u CI -u CONTINUOUS_INTEGRATION -u VITEST '${process.execPath}' bin/threadline.js tui --data-dir '${dataDir}'; echo "the TUI exited with $?"`;
  tmux('new-session', '-d', '-s', 'tui', '-x', String(size.x), '-y', String(size.y), '-c', cliDir, command);
}

function endTerminal(): void {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
}

const tmux = (...args: string[]) =>
  execFileSync('tmux', ['-S', socket, '-f', join(dir, 'tmux.conf'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
const screen = () => tmux('capture-pane', '-p', '-t', 'tui');
/** The screen with the pane's history: what the shell shows after the TUI has left its alternate screen. */
const scrollback = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', 'tui');
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
const lines = () => screen().trimEnd().split('\n');
const footer = () => lines().at(-1) ?? '';
const exitLine = () =>
  until(
    () => /the TUI exited with \d+/.exec(scrollback())?.[0],
    () => `the TUI to exit; it showed:\n${scrollback()}`,
    20_000,
  );

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'threadline-tui-schedules-'));
  // The pane stays after the TUI exits, so its last words can be read; no status bar, so the TUI has all the rows.
  await writeFile(join(dir, 'tmux.conf'), 'set -g remain-on-exit on\nset -g status off\n');
});

afterEach(endTerminal);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Listed {
  id: string;
  every: string;
  paused: boolean;
  nextRunAt: number | null;
  lastJobId: string | null;
}

/**
 * `threadline run <job> --every <every>` in a shell that is then closed for good (SIGKILL: a
 * Ctrl+C would cancel the run, and so end the schedule) once its next run waits: the schedule
 * and that run stay in the store for the next engine.
 */
async function scheduleInAnEarlierShell(dataDir: string, every: string, input: object): Promise<void> {
  const shell = threadline(
    ['run', 'demo.sleep', '--input', JSON.stringify(input), '--every', every],
    dataDir,
  );
  await shell.waitFor(/^next run at /m);
  shell.child.kill('SIGKILL');
  await shell.exit;
}

async function schedules(dataDir: string): Promise<Listed[]> {
  const listed = await run(['schedules', '--json'], dataDir);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as Listed[];
}

describe('the schedules in threadline tui, in a terminal', () => {
  it('lists two schedules counting down, pauses, resumes and removes them, at 80x24 and 120x30, and quits leaving the next run waiting', {
    timeout: 90_000,
  }, async () => {
    const dataDir = join(dir, 'data');
    await scheduleInAnEarlierShell(dataDir, '1h', { items: 2, ms: 1 });
    await scheduleInAnEarlierShell(dataDir, '10m', { items: 3, ms: 1 });
    const [hourly, tenMinutes] = await schedules(dataDir);
    expect([hourly!.every, tenMinutes!.every]).toEqual(['1h', '10m']);

    startTui(dataDir, { x: 80, y: 24 });
    await see('● live', 30_000);
    // The jobs: each schedule's first run, and its next one waiting its time.
    await see(/demo\.sleep\s+queued\s+.*waits until/);
    expect(footer()).toMatch(/q quit\s+s schedules\s*$/);

    keys('s');
    const first = await see(/in 59m\d\ds · /);
    await see(/in 9m\d\ds · /);
    const shown = first.split('\n');
    expect(shown[1]).toMatch(/^ {2}JOB\s+EVERY\s+NEXT RUN\s+LATEST RUN$/);
    const hourRow = new RegExp(
      `^▶ demo\\.sleep\\s+1h\\s+in 59m(\\d\\d)s · [^ ].*\\s${hourly!.lastJobId} queued$`,
    );
    const tenRow = new RegExp(
      `^ {2}demo\\.sleep\\s+10m\\s+in 9m\\d\\ds · .*\\s${tenMinutes!.lastJobId} queued$`,
    );
    expect(lines()[2]).toMatch(hourRow);
    expect(lines()[3]).toMatch(tenRow);
    expect(footer()).toMatch(/^ esc back\s+p pause\s+x remove\s+↑↓ select\s*$/);
    for (const line of screen().split('\n')) expect(line.length).toBeLessThanOrEqual(80);

    // The countdown moves on its own, a second at a time.
    const seconds = () => Number(hourRow.exec(lines()[2] ?? '')?.[1] ?? -1);
    const before = seconds();
    await until(
      () => seconds() >= 0 && seconds() < before,
      () => `the countdown to move:\n${screen()}`,
    );

    keys('p');
    await see('Paused demo.sleep every 1h: no runs until p resumes it.');
    await see(new RegExp(`^▶ demo\\.sleep\\s+1h\\s+paused\\s+${hourly!.lastJobId} cancelled$`, 'm'));
    expect(footer()).toMatch(/p resume/);
    // Another shell on the data directory attaches to the TUI's engine and sees it paused.
    const paused = (await schedules(dataDir)).find((s) => s.id === hourly!.id);
    expect(paused).toMatchObject({ paused: true, nextRunAt: null });

    keys('j');
    await see(/^▶ demo\.sleep\s+10m/m);
    keys('x');
    await see('Remove schedule demo.sleep every 10m? y remove · n keep (its runs stay)');
    expect(footer()).toMatch(/^ y remove\s+n keep\s*$/);
    keys('y');
    await see(`Removed demo.sleep every 10m (${tenMinutes!.id}). Its runs stay.`);
    await until(
      () => !screen().includes('10m '),
      () => `the removed schedule to go:\n${screen()}`,
    );
    expect((await schedules(dataDir)).map((s) => s.id)).toEqual([hourly!.id]);

    // Wider, the layout follows: the job's title gets a column of its own.
    tmux('resize-window', '-t', 'tui', '-x', '120', '-y', '30');
    await see(/^ {2}JOB\s+TITLE\s+EVERY\s+NEXT RUN\s+LATEST RUN$/m);
    await see(/^▶ demo\.sleep\s+Sleep \(demo\)\s+1h\s+paused\s+j_\w+ cancelled$/m);
    for (const line of screen().split('\n')) expect(line.length).toBeLessThanOrEqual(120);

    keys('p');
    await see(/Resumed demo\.sleep every 1h: next run in 59m\d\ds\./);
    await see(/^▶ demo\.sleep\s+Sleep \(demo\)\s+1h\s+in 59m\d\ds · .+ j_\w+ queued$/m);

    // Quitting leaves a schedule's waiting run to the next engine: nothing to ask, nothing cancelled.
    keys('Escape');
    await see(/NAME\s+STATE\s+PROGRESS/);
    keys('q');
    expect(await exitLine()).toBe('the TUI exited with 0');
    expect(scrollback()).not.toContain('Cancel and quit?');
    const [kept] = await schedules(dataDir);
    expect(kept).toMatchObject({ id: hourly!.id, paused: false, nextRunAt: hourly!.nextRunAt });
    const waiting = await run(['show', kept!.lastJobId!, '--json'], dataDir);
    expect((JSON.parse(waiting.stdout) as { job: { state: string } }).job.state).toBe('queued');
  });
});
