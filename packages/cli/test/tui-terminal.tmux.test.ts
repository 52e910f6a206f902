// The real `threadline tui` in a real terminal (tmux), as issue 18 asked it to
// be used: its help screen, NO_COLOR, the mouse, more columns on a wide
// terminal, and a server that dies under it and comes back.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { run, threadline } from './cli.js';
import { useTmux } from './tmux.js';

const terminal = useTmux('threadline-tui-terminal-');
const { tmux, screen, styled, keys, raw, see, lines, footer, exitLine } = terminal;
const dir = () => terminal.dir();

/** Two finished demo.sleep jobs, made in an earlier shell; their ids, newest first. */
async function twoJobs(dataDir: string): Promise<string[]> {
  for (const input of ['{"items":2,"ms":1}', '{"items":3,"ms":1,"failEvery":3}']) {
    await run(['run', 'demo.sleep', '--input', input], dataDir);
  }
  const listed = JSON.parse((await run(['list', '--json'], dataDir)).stdout) as { id: string }[];
  return listed.map((job) => job.id);
}

/** Every SGR parameter on screen (tmux joins them: `ESC[1;7m`). */
const sgr = (shown: string): number[] =>
  [...shown.matchAll(new RegExp(`${'\u001b'}\\[([0-9;]*)m`, 'g'))].flatMap((m) =>
    m[1]!.split(';').map(Number),
  );

/**
 * The colours among them: 30–38 and 90–97 for text, 40–48 and 100–107 for the background.
 * 39 and 49 (the default colours) are how tmux writes a reset: no colour.
 */
const colours = (shown: string): number[] =>
  sgr(shown).filter((n) => (n >= 30 && n <= 48 && n !== 39) || (n >= 90 && n <= 107));

/** The pane's mouse modes, as tmux tracks what the program asked for. */
const mouseModes = () =>
  tmux('display-message', '-p', '-t', 'tui', '#{mouse_standard_flag}#{mouse_sgr_flag}').trim();

describe('threadline tui in a terminal, as issue 18 asked', () => {
  it('opens a help screen with every key on ?, h and F1, and shows more keys in a wider footer', {
    timeout: 60_000,
  }, async () => {
    terminal.start(['tui', '--data-dir', join(dir(), 'data-help')]);
    await see('● live', 30_000);
    expect(footer()).toMatch(/\? help\s+q quit/);
    for (const key of ['?', 'h', 'F1']) {
      keys(key);
      await see('Keys · esc goes back');
      expect(screen()).toMatch(/PgUp PgDn\s+a page up or down/);
      expect(screen()).toMatch(/j k\s+select a job/);
      for (const line of lines()) expect(line.length).toBeLessThanOrEqual(80);
      keys('Escape');
      await see('No jobs yet');
    }
    // The rest of the help is a scroll away.
    keys('?');
    await see('↓ more');
    keys('G');
    await see(/esc\s+back/);
    await see('Start form');
    keys('Escape');
    // On a wide terminal the footer has room for the keys that move.
    tmux('resize-window', '-t', 'tui', '-x', '160', '-y', '30');
    await until(
      () => /j\/k move\s+g\/G first\/last\s+PgUp\/PgDn page/.test(footer()),
      () => footer(),
    );
    keys('q');
    expect(await exitLine()).toBe('the TUI exited with 0');
  });

  it('draws no colour with NO_COLOR=1, and colours without it or with FORCE_COLOR=1 too (capture-pane -e)', {
    // Three TUIs one after the other, on a machine that may be busy.
    timeout: 120_000,
  }, async () => {
    const dataDir = join(dir(), 'data-color');
    await twoJobs(dataDir);
    terminal.start(['tui', '--data-dir', dataDir], { env: { NO_COLOR: '1' } });
    await see(/▶ demo\.sleep\s+\w{4} partial/, 30_000);
    await see('● live');
    expect(colours(styled())).toEqual([]);
    // Not colour, so still there: the selected row in inverse.
    expect(sgr(styled())).toContain(7);
    keys('q');
    expect(await exitLine()).toBe('the TUI exited with 0');
    terminal.end();

    terminal.start(['tui', '--data-dir', dataDir]);
    await see(/▶ demo\.sleep\s+\w{4} partial/, 30_000);
    await see('● live');
    // Green for live, yellow for partial.
    expect(colours(styled())).toEqual(expect.arrayContaining([32, 33]));
    keys('q');
    expect(await exitLine()).toBe('the TUI exited with 0');
    terminal.end();

    // FORCE_COLOR wins over NO_COLOR, as in Node.
    terminal.start(['tui', '--data-dir', dataDir], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    await see(/▶ demo\.sleep\s+\w{4} partial/, 30_000);
    await see('● live');
    expect(colours(styled())).toEqual(expect.arrayContaining([32, 33]));
  });

  it('selects a row with a click and scrolls with the wheel, and gives the mouse back on quit and on SIGTERM', {
    timeout: 90_000,
  }, async () => {
    const dataDir = join(dir(), 'data-mouse');
    const [newest, older] = await twoJobs(dataDir);
    terminal.start(['tui', '--data-dir', dataDir]);
    await see(new RegExp(`▶ demo\\.sleep\\s+${newest!.slice(-4)}`), 30_000);
    expect(mouseModes()).toBe('11');
    // Row 4 of the screen: the header, the column titles, the newest job, then this one.
    raw('\u001b[<0;10;4M');
    raw('\u001b[<0;10;4m');
    await see(new RegExp(`▶ demo\\.sleep\\s+${older!.slice(-4)}`));
    // The wheel up moves the selection back to the top.
    raw('\u001b[<64;10;4M');
    await see(new RegExp(`▶ demo\\.sleep\\s+${newest!.slice(-4)}`));
    // Nothing of the reports was typed as keys.
    expect(screen()).not.toContain('[<');
    keys('q');
    expect(await exitLine()).toBe('the TUI exited with 0');
    expect(mouseModes()).toBe('00');
    terminal.end();

    terminal.start(['tui', '--data-dir', dataDir]);
    await see('● live', 30_000);
    expect(mouseModes()).toBe('11');
    const shell = tmux('display-message', '-p', '-t', 'tui', '#{pane_pid}').trim();
    const pid = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim();
    process.kill(Number(pid), 'SIGTERM');
    expect(await exitLine()).toBe('the TUI exited with 143');
    expect(mouseModes()).toBe('00');
  });

  it('shows an id suffix and an age on every row at 80 columns, and STARTED, TOOK and FAILED at 140', {
    timeout: 60_000,
  }, async () => {
    const dataDir = join(dir(), 'data-wide');
    const [newest, older] = await twoJobs(dataDir);
    terminal.start(['tui', '--data-dir', dataDir]);
    await see(/NAME\s+ID\s+STATE\s+AGE\s+PROGRESS/, 30_000);
    await see(new RegExp(`demo\\.sleep\\s+${newest!.slice(-4)} partial\\s+\\d+[smh] `));
    await see(new RegExp(`demo\\.sleep\\s+${older!.slice(-4)} succeeded\\s+\\d+[smh] `));
    expect(screen()).not.toContain('STARTED');
    tmux('resize-window', '-t', 'tui', '-x', '140', '-y', '30');
    await see(/NAME\s+ID\s+STATE\s+AGE\s+STARTED\s+TOOK\s+FAILED\s+PROGRESS/);
    // The partial job: when it started, that it took under a second, its one failed item.
    await see(
      new RegExp(
        `${newest!.slice(-4)} partial\\s+\\d+[smh]\\s+\\d+:\\d\\d:\\d\\d( [AP]M)?\\s+\\ds\\s+1\\s+█+░+ 2/3 items, 1 failed`,
      ),
    );
    for (const line of lines()) expect(line.length).toBeLessThanOrEqual(140);
    // The details wrap instead of cutting, and number the failed item as a person counts.
    keys('Enter');
    await see('#3: item 3 failed on purpose (failEvery: 3)');
  });

  it('says disconnected when its server dies, greys the running job, turns actions off, and reconnects when it is back', {
    timeout: 90_000,
  }, async () => {
    const dataDir = join(dir(), 'data-server');
    let server = threadline(['serve', '--port', '0'], dataDir);
    await server.waitFor(/serving (http:\/\/\S+)/, 30_000);
    const url = /serving (http:\/\/\S+)/.exec(server.stdout())![1]!;
    const port = new URL(url).port;
    // A job on the server, started by a follower in another shell (it fails as the server dies).
    const follower = threadline(
      ['run', 'demo.sleep', '--server', url, '--input', '{"items":400,"ms":500}'],
      dataDir,
    );
    await follower.waitFor(/items/, 30_000);

    terminal.start(['tui', '--server', url]);
    await see(/demo\.sleep\s+\w{4} running/, 30_000);
    await see('● live');

    server.child.kill('SIGKILL');
    await server.exit;
    await see('○ disconnected · retrying', 15_000);
    await see('Disconnected: the server does not answer');
    expect(footer()).not.toMatch(/c cancel|n start/);
    const row = styled()
      .split('\n')
      .find((line) => line.includes('demo.sleep'))!;
    // Grey (90), not the cyan (36) of a live running job.
    expect(row).toMatch(new RegExp(`${'\u001b'}\\[(?:[0-9;]*;)?90mrunning`));
    keys('c');
    await see('Disconnected: cancel is off until the server answers again.');
    // The server's token is not on screen.
    expect(screen()).not.toContain('token=');

    // The server comes back on the same port and data directory, and the TUI with it, by itself.
    server = threadline(['serve', '--port', port], dataDir);
    await server.waitFor(/serving/, 30_000);
    await see('● live', 30_000);
    // What happened meanwhile reaches the screen: the job the dead server ran ends interrupted.
    await see(/demo\.sleep\s+\w{4} interrupted/, 30_000);
    expect(footer()).toMatch(/n start/);
    server.child.kill('SIGTERM');
    await server.exit;
  });
});
