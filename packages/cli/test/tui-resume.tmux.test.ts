// Resuming from the real `threadline tui` in a real terminal (tmux at 80x24,
// read with capture-pane, typed with send-keys): a run of feeds that ended
// partial because one site was down is retried with `r` once the site is back;
// a TUI stopped by SIGTERM says what it leaves interrupted, and the next one
// resumes it.
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { run } from './cli.js';
import { useTmux } from './tmux.js';

const terminal = useTmux('threadline-tui-resume-');
const { tmux, screen, scrollback, keys, see, footer, exitLine } = terminal;
const endTerminal = terminal.end;
/** Runs `threadline tui` in a new 80x24 terminal; the pane's shell says how it exited. */
const startTui = (dataDir: string): void => terminal.start(['tui', '--data-dir', dataDir]);
const dir = () => terminal.dir();

/** A blog's RSS as WordPress sends it: namespaces, CDATA, a self link, numeric guids. */
function blogFeed(site: string, title: string, posts: string[]): string {
  const items = posts
    .map(
      (post, i) => `
	<item>
		<title>${post}</title>
		<link>${site}/${i + 1}/${post.toLowerCase().replace(/\W+/g, '-')}/</link>
		<dc:creator><![CDATA[admin]]></dc:creator>
		<pubDate>Mon, 0${i + 1} Dec 2025 09:30:00 +0000</pubDate>
		<category><![CDATA[Notes]]></category>
		<guid isPermaLink="false">${site}/?p=${100 + i}</guid>
		<description><![CDATA[<p>${post}, in a few words&#8230;</p>]]></description>
	</item>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
	xmlns:content="http://purl.org/rss/1.0/modules/content/"
	xmlns:dc="http://purl.org/dc/elements/1.1/"
	xmlns:atom="http://www.w3.org/2005/Atom"
	xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel>
	<title>${title}</title>
	<atom:link href="${site}/feed/" rel="self" type="application/rss+xml" />
	<link>${site}</link>
	<description>Just another WordPress site</description>
	<lastBuildDate>Wed, 03 Dec 2025 08:00:00 +0000</lastBuildDate>
	<language>en-US</language>
	<sy:updatePeriod>hourly</sy:updatePeriod>
	<generator>https://wordpress.org/?v=6.7.1</generator>${items}
</channel>
</rss>
`;
}

/** Three blogs on 127.0.0.1; `down` answers 503 while it holds the blog's path. */
async function startBlogs() {
  const hits: string[] = [];
  const down = new Set<string>();
  const server: Server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.push(path);
    const site = `http://${req.headers.host}${path.replace(/\/feed\/$/, '')}`;
    if (down.has(path)) {
      res.writeHead(503, { 'retry-after': '120', 'content-type': 'text/html' });
      res.end('<h1>Service Unavailable</h1>');
      return;
    }
    const name = path.split('/')[1] ?? '';
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=UTF-8' });
    res.end(blogFeed(site, `The ${name} blog`, ['First light', 'Second thoughts', 'Third time']));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name: string) => `http://127.0.0.1:${port}/${name}/feed/`,
    hits,
    down,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('resuming from threadline tui in a terminal', () => {
  it('retries with r the feed whose site was down, and only that one, until the run succeeds', {
    timeout: 90_000,
  }, async () => {
    const blogs = await startBlogs();
    try {
      const dataDir = join(dir(), 'data-feeds');
      const feeds = ['alpha', 'bravo', 'charlie'].map(blogs.url);
      blogs.down.add('/bravo/feed/');
      const first = await run(
        ['run', 'feeds.fetch', '--input', JSON.stringify({ feeds, output: join(dir(), 'feeds') })],
        dataDir,
      );
      // Exit 3: partial, one feed failed.
      expect(first.code, first.stderr).toBe(3);
      blogs.down.clear();

      startTui(dataDir);
      await see('● live', 30_000);
      await see(/▶ feeds\.fetch\s+\w{4} partial .*?[█░]+ 2\/3 feeds, 1 failed/);
      expect(footer()).toMatch(/n start\s+r retry failed\s+⏎ details/);

      keys('r');
      const done = await see(/▶ feeds\.fetch\s+\w{4} succeeded .*?█+ 3\/3 feeds/, 30_000);
      const resumed = /feeds\.fetch \((j_\w+)\) succeeded\./.exec(await see(/\(j_\w+\) succeeded\./))![1]!;
      // The old run is listed under it, partial as it was.
      expect(done).toMatch(/▶ feeds\.fetch\s+\w{4} succeeded[^\n]*\n\s+feeds\.fetch\s+\w{4} partial/);
      expect(footer()).not.toContain(' r ');
      for (const line of screen().split('\n')) expect(line.length).toBeLessThanOrEqual(80);

      keys('Enter');
      const details = await see(`feeds.fetch succeeded  Fetch feeds · ${resumed}`);
      expect(details).toMatch(/Resumes j_\w+: what succeeded there is not run again/);
      expect(details).toMatch(/Items\s+3 total · 3 ok · 0 failed/);
      // A key right after Escape would read as Alt+key: each waits for the screen, as a person would.
      keys('Escape');
      await see('NAME');
      keys('j');
      await see(/▶ feeds\.fetch\s+\w{4} partial/);
      keys('Enter');
      await see(`Resumed as ${resumed}`);
      await see('Error   1 of 3 items failed; first: HTTP 503 Service Unavailable');
      await see(/#2 http:\/\/127\.0\.0\.1:\d+\/bravo\/feed\/: HTTP 503/);

      // The sites saw one more request, for the feed that had failed.
      expect(blogs.hits.toSorted()).toEqual([
        '/alpha/feed/',
        '/bravo/feed/',
        '/bravo/feed/',
        '/charlie/feed/',
      ]);
      keys('Escape');
      await see('NAME');
      keys('q');
      expect(await exitLine()).toBe('the TUI exited with 0');
    } finally {
      await blogs.close();
    }
  });

  it('stopped by SIGTERM, says its job ends interrupted; the next TUI resumes it to the end', {
    timeout: 120_000,
  }, async () => {
    const dataDir = join(dir(), 'data-term');
    startTui(dataDir);
    await see('● live', 30_000);
    keys('n');
    await see(/▶ demo\.sleep\s+Sleep \(demo\)/);
    keys('Enter');
    await see('Start demo.sleep');
    // 30 items of 200 ms per thread: about 6 s, stopped after the first few.
    const items = 30 * availableParallelism();
    keys('BSpace', 'BSpace');
    keys(String(items));
    await see(new RegExp(`items\\s+${items}`));
    keys('Down', 'BSpace', 'BSpace', 'BSpace');
    keys('200');
    await see(/ms\s+200/);
    keys('Enter');
    await until(
      () => Number(/running .*?[█░]+ (\d+)\//.exec(screen())?.[1] ?? 0) > 0,
      () => `a few items done; it showed:\n${screen()}`,
      20_000,
    );

    // As a service manager or `kill` would stop it: the node process under the pane's shell.
    const shell = tmux('display-message', '-p', '-t', 'tui', '#{pane_pid}').trim();
    const pid = execFileSync('pgrep', ['-P', shell], { encoding: 'utf8' }).trim();
    process.kill(Number(pid), 'SIGTERM');
    const said = await see(/Stopping on SIGTERM: .*resumes it\./, 20_000, scrollback);
    const id = /demo\.sleep \((j_\w+)\)/.exec(said)![1]!;
    expect(said).toContain(
      `Stopping on SIGTERM: letting running items finish (up to drainMs, 10 s by default); what is left of demo.sleep (${id}) then ends interrupted. r in threadline tui resumes it.`,
    );
    expect(await exitLine()).toBe('the TUI exited with 143');
    endTerminal();

    startTui(dataDir);
    await see(/▶ demo\.sleep\s+\w{4} interrupted .*?[█░]+ \d+\/\d+ items/, 30_000);
    keys('Enter');
    await see('Reason  the engine stopped');
    expect(footer()).toMatch(/esc back\s+r resume/);
    keys('r');
    await see(`Resumes ${id}: what succeeded there is not run again`);
    await see(new RegExp(`demo\\.sleep succeeded[^\\n]*\\n[█]+ ${items}/${items} items`), 60_000);
    keys('Escape');
    await see('NAME');
    keys('q');
    expect(await exitLine()).toBe('the TUI exited with 0');
  });
});
