// 7. SSE fan-out: 1,000 subscribers on one running job against a local
// `threadline serve` (a child process). Each subscriber is a plain HTTP SSE
// stream on the tRPC `jobs.events` subscription; latency is the receipt time
// minus the event's `at` (when the engine sampled the progress cells and
// emitted it). The job is demo.sleep: progress every tick for a few seconds.
// The subscribers run in this process, so their parsing is on the clock too.
import * as http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Measure, MeasureContext } from '../measure.js';
import { cpuMsOf, type Serve, startServe, threadlineCli } from '../processes.js';
import { type BenchRecord, record, unavailable } from '../record.js';
import { percentile } from '../stats.js';

interface Subscriber {
  /** Progress event seq → receipt latency, for events the engine emitted inside the window. */
  latencies: Map<number, number>;
  /** The newest event `at` seen: past the window's end, this stream has caught up. */
  lastAt: number;
  finished: Promise<void>;
  request: http.ClientRequest;
}

/** The measuring window, by the engine's emit time; set once every subscriber is connected. */
const window = { from: Number.POSITIVE_INFINITY, to: Number.POSITIVE_INFINITY };
const DRAIN_MS = 30_000;

type Server = Pick<Serve, 'origin' | 'auth'>;

function subscribe({ origin, auth }: Server, agent: http.Agent, onConnected: () => void): Subscriber {
  const subscriber: Subscriber = {
    latencies: new Map(),
    lastAt: 0,
    finished: Promise.resolve(),
    request: undefined as unknown as http.ClientRequest,
  };
  let done: () => void = () => {};
  let failed: (error: Error) => void = () => {};
  subscriber.finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    failed = reject;
  });
  const input = encodeURIComponent(JSON.stringify({}));
  subscriber.request = http.get(
    `${origin}/trpc/jobs.events?input=${input}`,
    { agent, headers: { accept: 'text/event-stream', ...auth } },
    (res) => {
      if (res.statusCode !== 200) {
        failed(new Error(`subscription refused: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        const receivedAt = Date.now();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const message = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          if (message.startsWith('event: connected')) onConnected();
          // A job event is a message without an `event:` name (tRPC names only its own: connected, ping).
          if (/^event:/m.test(message)) continue;
          const data = message
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.slice(5).trimStart())
            .join('\n');
          if (!data) continue;
          const event = JSON.parse(data) as { type: string; seq: number; at: number };
          subscriber.lastAt = event.at;
          if (event.type === 'progress' && event.at >= window.from && event.at < window.to) {
            subscriber.latencies.set(event.seq, receivedAt - event.at);
          } else if (event.type === 'finished') done();
        }
      });
      res.on('error', (error) => failed(error));
    },
  );
  subscriber.request.on('error', (error) => failed(error));
  return subscriber;
}

async function post({ origin, auth }: Server, path: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${origin}/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/**
 * Subscribes `count` streams (to every event, before the job starts: one job
 * runs, so they carry the same events a subscription to that job would),
 * starts a long job, and keeps the latency of each progress event the engine
 * emits in a window of `seconds`. A receipt that has not arrived 30 s after
 * the window is counted as missed.
 */
async function fanOut(
  ctx: MeasureContext,
  server: Server,
  serverPid: number,
  count: number,
  seconds: number,
) {
  const agent = new http.Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  let connected = 0;
  let allConnected: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    allConnected = resolve;
  });
  const subscribers: Subscriber[] = [];
  const connectStart = performance.now();
  for (let i = 0; i < count; i++) {
    subscribers.push(
      subscribe(server, agent, () => {
        if (++connected === count) allConnected();
      }),
    );
  }
  let connectMs = 0;
  let caughtUp = true;
  let serverCpuMs = Number.NaN;
  try {
    await ready;
    connectMs = performance.now() - connectStart;
    ctx.log(`sse: ${count} subscribers connected in ${connectMs.toFixed(0)} ms`);
    // 2 threads, 1 s items reporting progress every 50 ms: the fraction moves, so a progress event every 100 ms tick.
    const started = (await post(server, 'jobs.start', {
      name: 'demo.sleep',
      input: { items: 100, ms: 1000 },
    })) as { result: { data: { id: string } } };
    await sleep(1000);
    window.from = Date.now();
    window.to = window.from + seconds * 1000;
    const cpuBefore = cpuMsOf(serverPid);
    await sleep(seconds * 1000);
    serverCpuMs = cpuMsOf(serverPid) - cpuBefore;
    const deadline = Date.now() + DRAIN_MS;
    while (subscribers.some((s) => s.lastAt < window.to) && Date.now() < deadline) await sleep(100);
    caughtUp = subscribers.every((s) => s.lastAt >= window.to);
    await post(server, 'jobs.cancel', { id: started.result.data.id });
    await Promise.race([Promise.all(subscribers.map((s) => s.finished)), sleep(10_000)]);
  } finally {
    for (const s of subscribers) s.request.destroy();
    agent.destroy();
    window.from = window.to = Number.POSITIVE_INFINITY;
  }
  const events = new Set(subscribers.flatMap((s) => [...s.latencies.keys()])).size;
  const received = subscribers.flatMap((s) => [...s.latencies.values()]);
  const missed = events * count - received.length;
  // Percentiles over every (event, subscriber) pair; a missed receipt is later than any that arrived.
  const all = [...received, ...new Array<number>(missed).fill(Number.POSITIVE_INFINITY)];
  ctx.log(`sse: ${events} progress events, ${received.length} receipts, ${missed} missed`);
  return { all, events, missed, connectMs, caughtUp, serverCpuMs };
}

export async function measureSseFanout(ctx: MeasureContext, subscribers: number, seconds: number) {
  const cli = threadlineCli();
  if (!cli) {
    return [
      unavailable(
        7,
        'SSE fan-out',
        'not available yet',
        'packages/cli (threadline serve) is not built or not landed',
      ),
    ];
  }
  const serve = await startServe(cli, ctx.threads);
  try {
    const one = await fanOut(ctx, serve, serve.pid, 1, Math.max(2, seconds / 2));
    if (one.events === 0) throw new Error('one subscriber received no progress events');
    const many = await fanOut(ctx, serve, serve.pid, subscribers, seconds);
    if (many.events === 0) throw new Error(`${subscribers} subscribers received no progress events`);
    // A percentile that lands on a missed receipt is only known to exceed the drain time.
    const at = (all: number[], p: number) => Math.min(percentile(all, p), DRAIN_MS);
    const records: BenchRecord[] = [99, 50].map((p) =>
      record({
        measure: 7,
        name: `SSE fan-out p${p}: ${subscribers} subscribers, progress sample → receipt`,
        unit: 'ms',
        better: 'lower',
        threadline: at(many.all, p),
        peers: { '1 subscriber': at(one.all, p) },
        ...(p === 99 ? { goal: { on: 'value', op: '<=', target: 250, text: 'p99 ≤ 250 ms' } as const } : {}),
        samples: many.all.length,
        ...(p === 99
          ? {
              note:
                `${many.events} progress events in ${seconds} s × ${subscribers} subscribers, ${many.missed} receipts missing ` +
                `${DRAIN_MS / 1000} s after the window${many.missed ? ` (a value of ${DRAIN_MS} means "more than that")` : ''}; ` +
                'server = threadline serve in a child process, subscribers (plain HTTP SSE) in this process',
            }
          : {}),
      }),
    );
    records.push(
      record({
        measure: 7,
        name: `SSE subscribe: ${subscribers} subscribers connected`,
        unit: 'ms',
        better: 'lower',
        threadline: many.connectMs,
        peers: { 'per subscriber': many.connectMs / subscribers },
        samples: 1,
        note: 'from the first request to every stream having its `connected` message',
      }),
      record({
        measure: 7,
        name: `SSE server CPU in the window, ${subscribers} subscribers`,
        unit: '% of a core',
        better: 'lower',
        threadline: (100 * many.serverCpuMs) / (seconds * 1000),
        peers: { '1 subscriber': (100 * one.serverCpuMs) / (Math.max(2, seconds / 2) * 1000) },
        samples: 1,
        note: `all threads of threadline serve, from /proc; ${many.all.length - many.missed} receipts in the window`,
      }),
    );
    return records;
  } finally {
    await serve.stop();
  }
}

export const sseFanout: Measure = {
  id: 'sse',
  number: 7,
  title: 'SSE fan-out to 1,000 subscribers',
  run: (ctx) => measureSseFanout(ctx, 1000, ctx.quick ? 2 : 10),
};
