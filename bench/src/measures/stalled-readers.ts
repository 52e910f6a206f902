// 12. Stalled readers: a fast job (every other item fails, so thousands of
// events of their own) against a local `threadline serve` with 500 SSE streams
// whose clients never read, against the same job with none in the same run.
// One prompt reader follows the job in both runs: it must see every failure and
// `finished`. Server heap is read after a forced GC, through a preload the
// measure gives serve (SIGUSR2 → gc() → process.memoryUsage() to a file).
// BENCH_SERVE_PROFILE=<dir> also writes serve's CPU profile and a heap snapshot there
// at each memory reading.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measure, MeasureContext } from '../measure.js';
import { rssOf, type Serve, startServe, tempDir, threadlineCli } from '../processes.js';
import { type BenchRecord, record, unavailable } from '../record.js';

const MEASURE = 12;
const STALLED = 500;

const PRELOAD = `
const { isMainThread } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const dir = process.env.BENCH_SERVE_PROFILE;
if (isMainThread) {
  // --cpu-prof is refused in NODE_OPTIONS: the inspector's profiler instead, written at each report.
  const session = dir ? new (require('node:inspector').Session)() : undefined;
  if (session) {
    session.connect();
    session.post('Profiler.enable', () => session.post('Profiler.start'));
  }
  const name = (ext) => path.join(dir, 'serve-' + process.pid + '-' + Date.now() + ext);
  process.on('SIGUSR2', () => {
    const out = process.env.BENCH_MEMORY_FILE;
    global.gc();
    const memory = process.memoryUsage();
    if (session) {
      session.post('Profiler.stop', (error, result) => {
        if (!error) fs.writeFileSync(name('.cpuprofile'), JSON.stringify(result.profile));
        session.post('Profiler.start');
      });
      require('node:v8').writeHeapSnapshot(name('.heapsnapshot'));
    }
    fs.writeFileSync(out + '.tmp', JSON.stringify(memory));
    fs.renameSync(out + '.tmp', out);
  });
}
`;

interface Run {
  jobMs: number;
  heapUsed: number;
  /** Heap after GC at the job's end, and after a further 5 s with the streams still open. */
  heapLater: number;
  peakRss: number;
  metricsWorstMs: number;
  metricsAsked: number;
  failedSeen: number;
  finishedSeen: boolean;
  items: { succeeded: number; failed: number };
}

/** Serve with the memory preload: NODE_OPTIONS reaches the child through spawn's env. */
async function startProbedServe(
  cli: string,
  threads: number,
  dir: string,
): Promise<Serve & { memory(): Promise<NodeJS.MemoryUsage> }> {
  const preload = join(dir, 'preload.cjs');
  const memoryFile = join(dir, 'memory.json');
  writeFileSync(preload, PRELOAD);
  const saved = { options: process.env.NODE_OPTIONS, file: process.env.BENCH_MEMORY_FILE };
  process.env.NODE_OPTIONS = [saved.options ?? '', '--expose-gc', `--require ${preload}`].join(' ');
  process.env.BENCH_MEMORY_FILE = memoryFile;
  // startServe spawns before its first await, so the environment is restored at once.
  const starting = startServe(cli, threads);
  if (saved.options === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = saved.options;
  if (saved.file === undefined) delete process.env.BENCH_MEMORY_FILE;
  else process.env.BENCH_MEMORY_FILE = saved.file;
  const serve = await starting;
  let stderr = '';
  serve.child.stderr?.on('data', (data: Buffer) => {
    stderr = (stderr + data.toString()).slice(-4000);
  });
  serve.child.once('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGTERM') console.error(`serve exited ${code ?? signal}: ${stderr}`);
  });
  return {
    ...serve,
    async memory() {
      rmSync(memoryFile, { force: true });
      serve.child.kill('SIGUSR2');
      const deadline = Date.now() + 60_000;
      while (!existsSync(memoryFile)) {
        if (Date.now() > deadline) throw new Error('serve did not report its memory within 60 s');
        await sleep(50);
      }
      return JSON.parse(readFileSync(memoryFile, 'utf8')) as NodeJS.MemoryUsage;
    },
  };
}

function stalledStream(url: URL, auth: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      const headers = Object.entries(auth).map(([k, v]) => `${k}: ${v}\r\n`);
      socket.write(
        `GET /trpc/jobs.events HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n${headers.join('')}\r\n`,
      );
      // Never read: what the server sends piles up in the kernel's buffers, then in its own.
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** A reader that keeps up: counts the failed-item events and waits for `finished`. */
function promptReader(serve: Serve) {
  const state = { failed: 0, finished: false, connected: false, bytes: 0 };
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  const request = http.get(
    `${serve.origin}/trpc/jobs.events`,
    { headers: { accept: 'text/event-stream', ...serve.auth } },
    (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        state.bytes += chunk.length;
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          // tRPC ends each message with a blank line more: the next one starts with that newline.
          const message = buffer.slice(0, end).replace(/^\n+/, '');
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (message.startsWith('event: connected')) state.connected = true;
          if (!message.startsWith('data: ')) continue;
          const event = JSON.parse(message.slice(6, message.indexOf('\n'))) as {
            type: string;
            outcome?: string;
          };
          if (event.type === 'item' && event.outcome === 'failed') state.failed++;
          if (event.type === 'finished') {
            state.finished = true;
            done();
          }
        }
      });
    },
  );
  request.on('error', () => done());
  return { state, finished, close: () => request.destroy() };
}

async function call(serve: Serve, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${serve.origin}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...serve.auth },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { result: { data: unknown } }).result.data;
}

async function query(serve: Serve, path: string, input: unknown): Promise<unknown> {
  const res = await fetch(`${serve.origin}/trpc/${path}?input=${encodeURIComponent(JSON.stringify(input))}`, {
    headers: serve.auth,
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { result: { data: unknown } }).result.data;
}

async function sseConnections(serve: Serve): Promise<number> {
  const res = await fetch(`${serve.origin}/metrics`, { headers: serve.auth });
  const text = await res.text();
  return Number(/^threadline_http_sse_connections (\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

async function runOnce(ctx: MeasureContext, cli: string, stalled: number, items: number): Promise<Run> {
  const dir = tempDir('stalled');
  const serve = await startProbedServe(cli, ctx.threads, dir.path);
  const sockets: Socket[] = [];
  const reader = promptReader(serve);
  const poll = { stop: false, worst: 0, asked: 0, peakRss: 0, error: undefined as Error | undefined };
  try {
    const origin = new URL(serve.origin);
    for (let i = 0; i < stalled; i++) sockets.push(await stalledStream(origin, serve.auth));
    const deadline = Date.now() + 60_000;
    while ((await sseConnections(serve)) < stalled + 1) {
      if (Date.now() > deadline) throw new Error(`${stalled + 1} streams not open after 60 s`);
      await sleep(100);
    }
    // /metrics asked one request at a time, as a scraper does; its worst latency is the loop's.
    const polling = (async () => {
      while (!poll.stop) {
        const started = performance.now();
        const answered = await fetch(`${serve.origin}/metrics`, {
          headers: serve.auth,
          signal: AbortSignal.timeout(120_000),
        }).then(
          (res) => res.text(),
          (error: Error) => error,
        );
        if (answered instanceof Error) {
          if (!poll.stop) poll.error = answered;
          break;
        }
        poll.worst = Math.max(poll.worst, performance.now() - started);
        poll.asked++;
        poll.peakRss = Math.max(poll.peakRss, rssOf(serve.pid) ?? 0);
        await sleep(100);
      }
    })();
    const job = (await call(serve, 'jobs.start', {
      name: 'demo.sleep',
      input: { items, ms: 0, failEvery: 2 },
    })) as { id: string };
    await Promise.race([reader.finished, sleep(600_000, undefined, { ref: false })]);
    let snapshot: { state: string; startedAt: number | null; finishedAt: number | null; items: Run['items'] };
    for (;;) {
      snapshot = (await query(serve, 'jobs.get', { id: job.id })) as typeof snapshot;
      if (snapshot.finishedAt !== null) break;
      await sleep(200);
    }
    // The poll stops before the memory readings: a forced GC (and a heap snapshot) holds the loop by design.
    await sleep(1000);
    poll.stop = true;
    await polling;
    if (poll.error) throw new Error(`/metrics failed during the job: ${poll.error.message}`);
    const atEnd = await serve.memory();
    await sleep(5000);
    const later = await serve.memory();
    const run: Run = {
      jobMs: snapshot.finishedAt! - snapshot.startedAt!,
      heapUsed: atEnd.heapUsed,
      heapLater: later.heapUsed,
      peakRss: Math.max(poll.peakRss, atEnd.rss, later.rss),
      metricsWorstMs: poll.worst,
      metricsAsked: poll.asked,
      failedSeen: reader.state.failed,
      finishedSeen: reader.state.finished,
      items: snapshot.items,
    };
    const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
    ctx.log(
      `stalled-readers: ${stalled} stalled, ${items} items: job ${run.jobMs} ms, heap after GC ${mb(run.heapUsed)} ` +
        `(${mb(run.heapLater)} 5 s later), peak RSS ${mb(run.peakRss)}, /metrics worst ${run.metricsWorstMs.toFixed(0)} ms ` +
        `of ${run.metricsAsked}, prompt reader: ${run.failedSeen} failures, finished ${run.finishedSeen}, ${mb(reader.state.bytes)}`,
    );
    return run;
  } finally {
    poll.stop = true;
    reader.close();
    for (const socket of sockets) socket.destroy();
    await serve.stop();
    dir.remove();
  }
}

export async function measureStalledReaders(ctx: MeasureContext, items: number): Promise<BenchRecord[]> {
  // BENCH_SERVE_CLI: a built CLI elsewhere (a copy of the tree that concurrent rebuilds leave alone).
  const cli = process.env.BENCH_SERVE_CLI ?? threadlineCli();
  if (!cli) {
    return [unavailable(MEASURE, 'SSE stalled readers', 'not available yet', 'packages/cli is not built')];
  }
  const none = await runOnce(ctx, cli, 0, items);
  const many = await runOnce(ctx, cli, STALLED, items);
  const complete = (run: Run) =>
    run.finishedSeen && run.failedSeen === items / 2 && run.items.failed === items / 2;
  const note =
    `demo.sleep, ${items} items of 0 ms, every other failing; server = threadline serve in a child process; ` +
    `prompt reader saw every failure and finished: ${complete(many) ? 'yes' : 'NO'} ` +
    `(${many.failedSeen}/${items / 2}) with ${STALLED} stalled, ${complete(none) ? 'yes' : 'NO'} with none`;
  const MB = 2 ** 20;
  return [
    record({
      measure: MEASURE,
      name: `SSE stalled readers: job time with ${STALLED} stalled streams`,
      unit: 'ms',
      better: 'lower',
      threadline: many.jobMs,
      peers: { 'no streams': none.jobMs },
      reference: { name: 'no streams', value: none.jobMs },
      goal: { on: 'ratio', op: '<=', target: 3, text: '≤ 3x the job with no streams' },
      samples: 1,
      note,
    }),
    record({
      measure: MEASURE,
      name: `SSE stalled readers: server heap after GC at the job's end, ${STALLED} stalled`,
      unit: 'MB',
      better: 'lower',
      threadline: many.heapUsed / MB,
      peers: { 'no streams': none.heapUsed / MB, '5 s later': many.heapLater / MB },
      reference: { name: 'no streams', value: none.heapUsed / MB },
      goal: { on: 'value', op: '<=', target: 64, text: '< 64 MB' },
      samples: 1,
      note: 'process.memoryUsage().heapUsed after global.gc() in serve',
    }),
    record({
      measure: MEASURE,
      name: `SSE stalled readers: server peak RSS, ${STALLED} stalled`,
      unit: 'MB',
      better: 'lower',
      threadline: many.peakRss / MB,
      peers: { 'no streams': none.peakRss / MB },
      reference: { name: 'no streams', value: none.peakRss / MB },
      samples: many.metricsAsked,
      note: 'VmRSS from /proc, sampled with every /metrics request',
    }),
    record({
      measure: MEASURE,
      name: `SSE stalled readers: /metrics worst latency during the job, ${STALLED} stalled`,
      unit: 'ms',
      better: 'lower',
      threadline: many.metricsWorstMs,
      peers: { 'no streams': none.metricsWorstMs },
      reference: { name: 'no streams', value: none.metricsWorstMs },
      goal: { on: 'value', op: '<=', target: 1000, text: '≤ 1 s' },
      samples: many.metricsAsked,
      note: 'one request at a time, 100 ms apart, from the streams being open to 1 s after the job',
    }),
  ];
}

export const stalledReaders: Measure = {
  id: 'stalled-readers',
  number: MEASURE,
  title: 'SSE: a fast job with 500 stalled readers',
  run: (ctx) => measureStalledReaders(ctx, ctx.quick ? 10_000 : 20_000),
};
