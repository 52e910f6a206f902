// GET /metrics in Prometheus' text format, from the engine's stats() and the
// backend's workers(); and GET /status, the store's health for the page's banner.
import type { ItemOutcome, JobClient, JobState, WorkersView } from '@threadline/core';

/** Whether the store takes writes; when not, the engine holds the history in memory and starts no new item. */
export type StorageHealth = { ok: true } | { ok: false; problem: string; reason: string };

/** StorageError's reasons. */
const STORAGE_REASONS = ['read-only', 'full', 'corrupt', 'unavailable'];

export interface StatsSource {
  stats(): {
    storage?: StorageHealth;
    poolSize: number;
    busyWorkers: number;
    subscribers: number;
    itemsProcessed: number;
    /** Succeeded, failed and cancelled items apart. */
    itemsByOutcome?: Record<ItemOutcome, number>;
    jobsByState: Record<JobState, number>;
  };
}

export const hasStats = (client: JobClient): client is JobClient & StatsSource =>
  typeof (client as Partial<StatsSource>).stats === 'function';

/** GET /status: what the page shows above everything else. */
export function renderStatus(source: StatsSource | undefined): string {
  return JSON.stringify({ storage: source?.stats().storage ?? { ok: true } });
}

/** A Redis that does not answer must not hold /metrics: past this, the workers' series are left out. */
const WORKERS_TIMEOUT_MS = 2000;

/** GET /metrics for a client: its stats when it has them, and its workers when it lists them. */
export async function metricsOf(client: JobClient, http: { sseConnections: number }): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const workers = client.workers
    ? await Promise.race([
        client.workers().catch(() => null),
        new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), WORKERS_TIMEOUT_MS);
        }),
      ])
    : null;
  clearTimeout(timer);
  return renderMetrics(hasStats(client) ? client : undefined, http, workers);
}

/** A label value as Prometheus' text format quotes it. */
const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export function renderMetrics(
  source: StatsSource | undefined,
  http: { sseConnections: number },
  workers: WorkersView | null = null,
): string {
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`);
  };
  if (source) {
    const stats = source.stats();
    metric(
      'threadline_jobs',
      'gauge',
      'Jobs in the store, by state.',
      Object.entries(stats.jobsByState).map(([state, count]) => [`{state="${state}"}`, count]),
    );
    metric('threadline_items_processed_total', 'counter', 'Items processed since the engine started.', [
      ['', stats.itemsProcessed],
    ]);
    if (stats.itemsByOutcome) {
      metric(
        'threadline_item_outcomes_total',
        'counter',
        'Items processed since the engine started, by outcome (succeeded, failed, cancelled).',
        Object.entries(stats.itemsByOutcome).map(([outcome, count]) => [`{outcome="${outcome}"}`, count]),
      );
    }
    metric('threadline_pool_size', 'gauge', 'Worker threads in the pool.', [['', stats.poolSize]]);
    metric('threadline_pool_busy_workers', 'gauge', 'Worker threads running an item.', [
      ['', stats.busyWorkers],
    ]);
    metric('threadline_event_subscribers', 'gauge', 'Subscribers to the event stream.', [
      ['', stats.subscribers],
    ]);
    if (stats.storage) {
      // One series per reason, 0 or 1, so an alert is `max(threadline_storage_fault) > 0`.
      const reason = stats.storage.ok ? undefined : stats.storage.reason;
      metric(
        'threadline_storage_fault',
        'gauge',
        'Whether the store refuses writes, by reason (history held in memory, no new items start).',
        STORAGE_REASONS.map((r) => [`{reason="${r}"}`, r === reason ? 1 : 0]),
      );
    }
  }
  if (workers) {
    const of = (w: WorkersView['workers'][number]) => `{worker="${label(w.id)}",host="${label(w.host)}"}`;
    metric(
      'threadline_workers',
      'gauge',
      "Workers: the engine's threads, or a deployment's worker processes.",
      [['', workers.workers.length]],
    );
    metric(
      'threadline_worker_threads',
      'gauge',
      'Items a worker runs at once.',
      workers.workers.map((w) => [of(w), w.threads]),
    );
    metric(
      'threadline_worker_busy',
      'gauge',
      'Items (a thread) or chunks of items (a worker process) a worker runs now.',
      workers.workers.map((w) => [of(w), w.running.length]),
    );
    const counted = workers.workers.filter((w) => w.itemsDone !== null);
    if (counted.length > 0)
      metric(
        'threadline_worker_items_total',
        'counter',
        'Items a worker finished (any outcome) since it started.',
        counted.map((w) => [of(w), w.itemsDone!]),
      );
    if (workers.queue)
      metric(
        'threadline_queue_chunks',
        'gauge',
        "Chunks of items on the deployment's items queue, by state.",
        Object.entries(workers.queue).map(([state, count]) => [`{state="${state}"}`, count]),
      );
  }
  metric('threadline_http_sse_connections', 'gauge', 'Open SSE connections to this server.', [
    ['', http.sseConnections],
  ]);
  return `${lines.join('\n')}\n`;
}
