// 13. The page's first paint: Chromium (Debian's, driven by playwright-core;
// never a downloaded browser) opens the URL `threadline serve` prints
// (`/?token=…`, a redirect that sets the cookie) in a fresh context each sample,
// so the cache is cold, at a desktop and a phone viewport. Read in the page:
// first-contentful-paint, the time until the Jobs panel shows the history made
// before, the JS bytes on the wire and the requests made until then.
// Peer, in the same browser and run: a static page of the same compressed bytes
// (peers/static-page.ts), the floor a page of that weight can reach; the ratio is
// what Threadline's own parse, run, render and data fetch cost over transfer.
import { setTimeout as sleep } from 'node:timers/promises';
import { type Browser, chromium } from 'playwright-core';
import type { Measure, MeasureContext } from '../measure.js';
import { type StaticPage, startStaticPage } from '../peers/static-page.js';
import { type Serve, startServe, threadlineCli } from '../processes.js';
import { type BenchRecord, record, unavailable } from '../record.js';
import { percentile, rotated } from '../stats.js';

const MEASURE = 13;
const KB = 1000;
const JOBS = 3;
const VIEWPORTS = [
  { name: '1280x800', width: 1280, height: 800 },
  { name: '390x844', width: 390, height: 844 },
] as const;
const ROWS = '[data-testid="history-job"]';
const FLOOR = 'static page (node:http)';

interface Load {
  fcpMs: number;
  /** When the page showed its content: the Jobs panel's rows for Threadline, the script's line for the floor. */
  readyMs: number;
  /** transferSize (compressed body and headers) of every script, from the page's resource timing. */
  jsBytes: number;
  /** decodedBodySize of the same scripts: what they are once uncompressed. */
  jsDecoded: number;
  /** Compressed body bytes per kind of response, from Content-Length, and the JS's Content-Encoding. */
  bodies: { html: number; css: number; js: number };
  encoding: string;
  requests: number;
}

interface Seen {
  fcp: number;
  ready: number;
  jsBytes: number;
  jsDecoded: number;
}

// Page-side code as source text (the bench compiles without the DOM's types), added
// as an init script: Playwright injects those past the page's CSP, which refuses eval.
/**
 * Runs before the page's own scripts: `__bench()` resolves once `selector` matches
 * `count` elements and the page has its first-contentful-paint, with those times
 * and its scripts' resource timing.
 */
const probe = (selector: string, count: number) => `(() => {
  let readyAt;
  let ready;
  const rendered = new Promise((resolve) => { ready = resolve; });
  const check = () => {
    if (readyAt === undefined && document.querySelectorAll(${JSON.stringify(selector)}).length >= ${count}) {
      readyAt = performance.now();
      ready();
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  const painted = new Promise((resolve) => {
    new PerformanceObserver((list) => {
      const entry = list.getEntries().find((e) => e.name === 'first-contentful-paint');
      if (entry) resolve(entry.startTime);
    }).observe({ type: 'paint', buffered: true });
  });
  window.__bench = async (timeoutMs) => {
    const late = new Promise((_, reject) =>
      setTimeout(() => reject(new Error('no first paint or no content in ' + timeoutMs / 1000 + ' s')), timeoutMs));
    const fcp = await Promise.race([painted, late]);
    await Promise.race([rendered, late]);
    const scripts = performance
      .getEntriesByType('resource')
      .filter((e) => e.initiatorType === 'script' || e.name.endsWith('.js'));
    return {
      fcp,
      ready: readyAt,
      jsBytes: scripts.reduce((sum, e) => sum + e.transferSize, 0),
      jsDecoded: scripts.reduce((sum, e) => sum + e.decodedBodySize, 0),
    };
  };
})()`;

async function load(
  browser: Browser,
  url: string,
  viewport: { width: number; height: number },
  rows: number,
) {
  const context = await browser.newContext({ viewport });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    let requests = 0;
    page.on('request', () => requests++);
    const bodies = { html: 0, css: 0, js: 0 };
    let encoding = 'identity';
    page.on('response', (response) => {
      const type = response.request().resourceType();
      const kind =
        type === 'document' ? 'html' : type === 'stylesheet' ? 'css' : type === 'script' ? 'js' : '';
      if (!kind || response.status() !== 200) return;
      const headers = response.headers();
      bodies[kind] += Number(headers['content-length'] ?? 0);
      if (kind === 'js') encoding = headers['content-encoding'] ?? 'identity';
    });
    await page.addInitScript({ content: probe(rows ? ROWS : '#root p', Math.max(rows, 1)) });
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    const seen = await page.evaluate(
      (timeoutMs) => (globalThis as unknown as { __bench(ms: number): Promise<Seen> }).__bench(timeoutMs),
      30_000,
    );
    if (problems.length) throw new Error(`page error: ${problems[0]}`);
    return {
      fcpMs: seen.fcp,
      readyMs: seen.ready,
      jsBytes: seen.jsBytes,
      jsDecoded: seen.jsDecoded,
      bodies,
      encoding,
      requests,
    } satisfies Load;
  } finally {
    await context.close();
  }
}

async function trpc(serve: Serve, path: string, input: unknown, mutation: boolean) {
  const url = `${serve.origin}/trpc/${path}${mutation ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`;
  const res = await fetch(url, {
    method: mutation ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json', ...serve.auth },
    ...(mutation ? { body: JSON.stringify(input) } : {}),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { result: { data: unknown } }).result.data;
}

/** A few finished jobs in the history, so the Jobs panel has rows to render. */
async function makeHistory(serve: Serve, count: number) {
  for (let i = 0; i < count; i++) {
    const { id } = (await trpc(
      serve,
      'jobs.start',
      { name: 'demo.sleep', input: { items: 4, ms: 5 } },
      true,
    )) as {
      id: string;
    };
    const deadline = Date.now() + 30_000;
    while (((await trpc(serve, 'jobs.get', { id }, false)) as { state: string }).state !== 'succeeded') {
      if (Date.now() > deadline) throw new Error(`demo.sleep job ${id} did not succeed in 30 s`);
      await sleep(50);
    }
  }
}

export async function measureFirstPaint(ctx: MeasureContext, samples: number): Promise<BenchRecord[]> {
  const cli = threadlineCli();
  if (!cli) {
    return [
      unavailable(
        MEASURE,
        'first paint',
        'not available yet',
        'packages/cli (threadline serve) is not built',
      ),
    ];
  }
  const serve = await startServe(cli, ctx.threads);
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  let floor: StaticPage | undefined;
  try {
    await makeHistory(serve, JOBS);
    const token = serve.auth.authorization!.replace(/^Bearer /, '');
    const pageUrl = `${serve.origin}/?token=${encodeURIComponent(token)}`;
    // A first load, not counted: the server's files in the OS cache, and the sizes the floor copies.
    const first = await load(browser, pageUrl, VIEWPORTS[0], JOBS);
    ctx.log(`first-paint: Threadline ${JSON.stringify(first)}`);
    floor = await startStaticPage(first.bodies, first.jsDecoded, first.encoding);
    const floorFirst = await load(browser, floor.url, VIEWPORTS[0], 0);
    ctx.log(`first-paint: floor ${JSON.stringify(floorFirst)}`);
    const loads = new Map<string, Load[]>();
    const contenders = [
      { name: 'threadline', url: pageUrl, rows: JOBS },
      { name: FLOOR, url: floor.url, rows: 0 },
    ];
    for (let round = 0; round < samples; round++) {
      for (const viewport of rotated(VIEWPORTS, round)) {
        for (const contender of rotated(contenders, round)) {
          const key = `${contender.name} ${viewport.name}`;
          const seen = await load(browser, contender.url, viewport, contender.rows);
          loads.set(key, [...(loads.get(key) ?? []), seen]);
        }
      }
    }
    const of = (name: string, viewport: string, pick: (l: Load) => number) =>
      loads.get(`${name} ${viewport}`)!.map(pick);
    const records: BenchRecord[] = [];
    for (const viewport of VIEWPORTS) {
      for (const p of [50, 95]) {
        const fcp = percentile(
          of('threadline', viewport.name, (l) => l.fcpMs),
          p,
        );
        const floorFcp = percentile(
          of(FLOOR, viewport.name, (l) => l.fcpMs),
          p,
        );
        records.push(
          record({
            measure: MEASURE,
            name: `first contentful paint p${p}, ${viewport.name}, cold cache`,
            unit: 'ms',
            better: 'lower',
            threadline: fcp,
            peers: { [FLOOR]: floorFcp },
            reference: { name: FLOOR, value: floorFcp },
            samples,
            ...(p === 50 && viewport === VIEWPORTS[0]
              ? {
                  note:
                    'navigation start (the `?token=` URL, its redirect) → first-contentful-paint; ' +
                    'floor: same redirect and compressed bytes, a script that only writes a line; no goal: issue 19 asks it measured',
                }
              : {}),
          }),
        );
      }
      for (const p of [50, 95]) {
        const ready = percentile(
          of('threadline', viewport.name, (l) => l.readyMs),
          p,
        );
        const floorReady = percentile(
          of(FLOOR, viewport.name, (l) => l.readyMs),
          p,
        );
        records.push(
          record({
            measure: MEASURE,
            name: `jobs list rendered with data p${p}, ${viewport.name}`,
            unit: 'ms',
            better: 'lower',
            threadline: ready,
            peers: { [FLOOR]: floorReady },
            reference: { name: FLOOR, value: floorReady },
            samples,
            ...(p === 50 && viewport === VIEWPORTS[0]
              ? {
                  note: `navigation start → ${JOBS} history rows (${ROWS}); floor: its script's line in the page`,
                }
              : {}),
          }),
        );
      }
    }
    const all = [...loads.entries()].filter(([key]) => key.startsWith('threadline ')).flatMap(([, l]) => l);
    const jsKb = percentile(
      all.map((l) => l.jsBytes),
      50,
    );
    records.push(
      record({
        measure: MEASURE,
        name: 'initial JS on the wire (compressed)',
        unit: 'KB',
        better: 'lower',
        threadline: jsKb / KB,
        goal: { on: 'value', op: '<=', target: 150, text: '≤ 150 KB compressed' },
        samples: all.length,
        note:
          `transferSize of the scripts until the jobs list shows (headers included; 1 KB = 1000 B); ` +
          `Content-Encoding ${first.encoding}, ${first.bodies.js} B body, ${first.jsDecoded} B uncompressed; html ${first.bodies.html} B, css ${first.bodies.css} B`,
      }),
      record({
        measure: MEASURE,
        name: 'requests until the jobs list shows',
        unit: 'requests',
        better: 'lower',
        threadline: percentile(
          all.map((l) => l.requests),
          50,
        ),
        peers: { [FLOOR]: floorFirst.requests },
        samples: all.length,
        note: 'every request the page made (the redirect, document, assets, tRPC, the SSE stream) until its rows showed',
      }),
    );
    return records;
  } finally {
    await browser.close();
    await floor?.close();
    await serve.stop();
  }
}

export const firstPaint: Measure = {
  id: 'first-paint',
  number: MEASURE,
  title: "The page's first paint, cold cache",
  run: (ctx) => measureFirstPaint(ctx, ctx.quick ? 5 : 20),
};
