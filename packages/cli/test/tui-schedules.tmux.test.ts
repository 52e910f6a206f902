// The schedules screen of the real `threadline tui` in a real terminal (tmux,
// read with capture-pane, typed with send-keys): two schedules made by
// `threadline run --every` in an earlier shell are listed with their next runs
// counting down and how their first runs ended; one is paused (and resumed) and
// the other removed, another shell sees the same, and quitting leaves the next
// run waiting for the next engine.
import { join } from 'node:path';
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { run, threadline } from './cli.js';
import { useTmux } from './tmux.js';

const terminal = useTmux('threadline-tui-schedules-');
const { tmux, screen, scrollback, keys, see, lines, footer, exitLine } = terminal;
/** Runs `threadline tui` in a new terminal of that size; the pane's shell says how it exited. */
const startTui = (dataDir: string, size: { x: number; y: number }): void =>
  terminal.start(['tui', '--data-dir', dataDir], size);
const dir = () => terminal.dir();

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
    const dataDir = join(dir(), 'data');
    await scheduleInAnEarlierShell(dataDir, '1h', { items: 2, ms: 1 });
    await scheduleInAnEarlierShell(dataDir, '10m', { items: 3, ms: 1 });
    const [hourly, tenMinutes] = await schedules(dataDir);
    expect([hourly!.every, tenMinutes!.every]).toEqual(['1h', '10m']);

    startTui(dataDir, { x: 80, y: 24 });
    await see('● live', 30_000);
    // The jobs: each schedule's first run, and its next one waiting its time.
    await see(/demo\.sleep\s+\w{4} queued .*waits until/);
    expect(footer()).toMatch(/s schedules\s+\? help\s+q quit/);

    keys('s');
    const first = await see(/in 59m\d\ds · /);
    await see(/in 9m\d\ds · /);
    const shown = first.split('\n');
    // At 80 columns: how each first run ended and when; the run waiting its time is the next run.
    expect(shown[1]).toMatch(/^ {2}JOB\s+EVERY\s+NEXT RUN\s+LAST RUN$/);
    const hourRow = /^▶ demo\.sleep\s+1h\s+in 59m(\d\d)s · [^ ].*\ssucceeded · (just now|\d+[sm] ago)$/;
    const tenRow = /^ {2}demo\.sleep\s+10m\s+in 9m\d\ds · .*\ssucceeded · (just now|\d+[sm] ago)$/;
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
    // The dropped run never ran: the last run is still the first.
    await see(/^▶ demo\.sleep\s+1h\s+paused\s+succeeded · (just now|\d+[sm] ago)$/m);
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

    // Wider, the layout follows: the job's title and the latest run get columns of their own.
    tmux('resize-window', '-t', 'tui', '-x', '120', '-y', '30');
    await see(/^ {2}JOB\s+TITLE\s+EVERY\s+NEXT RUN\s+LAST RUN\s+LATEST RUN$/m);
    await see(/^▶ demo\.sleep\s+Sleep \(demo\)\s+1h\s+paused\s+succeeded · (just now|\d+[sm] ago)$/m);
    for (const line of screen().split('\n')) expect(line.length).toBeLessThanOrEqual(120);

    keys('p');
    await see(/Resumed demo\.sleep every 1h: next run in 59m\d\ds\./);
    await see(
      /^▶ demo\.sleep\s+Sleep \(demo\)\s+1h\s+in 59m\d\ds · .+ succeeded · (just now|\d+[sm] ago)\s+j_\w+ queued$/m,
    );

    // Quitting leaves a schedule's waiting run to the next engine: nothing to ask, nothing cancelled.
    keys('Escape');
    await see(/NAME\s+ID\s+STATE\s+AGE\s+STARTED\s+TOOK\s+PROGRESS/);
    keys('q');
    expect(await exitLine()).toBe('the TUI exited with 0');
    expect(scrollback()).not.toContain('Cancel and quit?');
    const [kept] = await schedules(dataDir);
    expect(kept).toMatchObject({ id: hourly!.id, paused: false, nextRunAt: hourly!.nextRunAt });
    const waiting = await run(['show', kept!.lastJobId!, '--json'], dataDir);
    expect((JSON.parse(waiting.stdout) as { job: { state: string } }).job.state).toBe('queued');
  });
});
