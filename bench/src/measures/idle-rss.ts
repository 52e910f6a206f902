// 9. Idle server memory: the resident set of `threadline serve` (engine, its
// worker threads, the SQLite store, the web server) a few seconds after it
// printed its URL. Baselines for scale: an empty node:http server, and one
// with a 2-thread piscina pool (what a hand-rolled server over a peer starts with).
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChild, waitForLine } from '@threadline/testing';
import { peerFile } from '../engine.js';
import type { Measure, MeasureContext } from '../measure.js';
import { rssOf, startServe, threadlineCli } from '../processes.js';
import { record, unavailable } from '../record.js';
import { median } from '../stats.js';

const MB = 2 ** 20;
const SETTLE_MS = 3000;

const BARE = `import http from 'node:http';
http.createServer((q, s) => s.end()).listen(0, '127.0.0.1', () => console.log('listening'));`;

const withPiscina = (threads: number) => `import http from 'node:http';
import { Piscina } from 'piscina';
const pool = new Piscina({ filename: ${JSON.stringify(peerFile('tasks'))}, minThreads: ${threads}, maxThreads: ${threads} });
await Promise.all(Array.from({ length: ${threads} }, (_, i) => pool.run(i)));
http.createServer((q, s) => s.end()).listen(0, '127.0.0.1', () => console.log('listening'));`;

async function baselineRss(source: string): Promise<number> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: new URL('../../', import.meta.url),
  });
  try {
    await waitForLine(child, /listening/, 'baseline server');
    await sleep(SETTLE_MS);
    return rssOf(child.pid!) ?? Number.NaN;
  } finally {
    await stopChild(child);
  }
}

export async function measureIdleRss(ctx: MeasureContext, runs: number) {
  const cli = threadlineCli();
  if (!cli) {
    return [
      unavailable(9, 'idle server RSS', 'not available yet', 'packages/cli (threadline serve) is not built'),
    ];
  }
  const samples: Record<string, number[]> = { threadline: [], bare: [], piscina: [] };
  for (let run = 0; run < runs; run++) {
    const serve = await startServe(cli, ctx.threads);
    try {
      await sleep(SETTLE_MS);
      samples.threadline!.push(rssOf(serve.pid) ?? Number.NaN);
    } finally {
      await serve.stop();
    }
    samples.bare!.push(await baselineRss(BARE));
    samples.piscina!.push(await baselineRss(withPiscina(ctx.threads)));
  }
  const mb = (name: string) => median(samples[name]!) / MB;
  if (Number.isNaN(mb('threadline'))) {
    return [unavailable(9, 'idle server RSS', 'error', 'no /proc/<pid>/status to read RSS from')];
  }
  return [
    record({
      measure: 9,
      name: `idle server RSS after start-up (${ctx.threads} worker threads)`,
      unit: 'MB',
      better: 'lower',
      threadline: mb('threadline'),
      peers: {
        'node:http alone': mb('bare'),
        [`node:http + piscina (${ctx.threads} threads)`]: mb('piscina'),
      },
      reference: { name: `node:http + piscina (${ctx.threads} threads)`, value: mb('piscina') },
      samples: runs,
      note: `threadline serve (engine, ${ctx.threads} worker threads, SQLite, web server, built-in jobs registered), ${SETTLE_MS / 1000} s after it printed its URL`,
    }),
  ];
}

export const idleRss: Measure = {
  id: 'rss',
  number: 9,
  title: 'idle server memory',
  run: (ctx) => measureIdleRss(ctx, ctx.quick ? 1 : 3),
};
