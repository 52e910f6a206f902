// `workers()` on a deployment: its worker processes, what each runs, and the
// items queue's depth. Three reads that BullMQ and the heartbeat already keep:
// the workers' advertisements (host, pid, threads, jobs, items done), BullMQ's
// own list of the items queue's connected workers (`getWorkers`, from CLIENT
// LIST), and the active chunks, each naming the worker that took it
// (`processedBy`).
import type { RunningWork, WorkerStatus, WorkersView } from '@threadline/core';
import type { Job, Queue } from 'bullmq';
import type { RedisStore } from '../store/store.js';
import type { ChunkData } from '../worker/chunks.js';

/** A deployment's worker: what `workers()` says of it, with the jobs it can run by name. */
export interface DeploymentWorker extends WorkerStatus {
  kind: 'process';
  /** Names in its registry, sorted: the jobs it can run by name ([] when it is not advertised). */
  jobs: string[];
}

export interface DeploymentWorkers extends WorkersView {
  workers: DeploymentWorker[];
  queue: { waiting: number; active: number; delayed: number };
}

/** BullMQ names a named worker's connection `<queue's client name>:w:<worker name>`. */
const workerName = (rawname: string | undefined): string | null => {
  const at = rawname?.indexOf(':w:') ?? -1;
  return at < 0 ? null : rawname!.slice(at + 3);
};

export async function readWorkers(store: RedisStore, items: Queue): Promise<DeploymentWorkers> {
  const [advertised, connected, active, counts] = await Promise.all([
    store.workers(),
    // CLIENT LIST may be refused (some managed Redis): the advertisements alone then say who is there.
    items.getWorkers().catch(() => null),
    items.getActive(0, -1) as Promise<Job<ChunkData>[]>,
    items.getJobCounts('wait', 'prioritized', 'active', 'delayed'),
  ]);
  const names = new Map<string, string>();
  for (const snapshot of await store.getMany([...new Set(active.map((chunk) => chunk.data.jobId))]))
    names.set(snapshot.id, snapshot.name);
  const running = new Map<string, RunningWork[]>();
  for (const chunk of active) {
    if (!chunk.processedBy) continue;
    const size = chunk.data.items.length;
    const percent = typeof chunk.progress === 'number' ? chunk.progress : 0;
    const work: RunningWork = {
      jobId: chunk.data.jobId,
      name: names.get(chunk.data.jobId) ?? '',
      index: null,
      first: chunk.data.start,
      items: size,
      done: Math.floor((percent * size) / 100),
    };
    running.set(chunk.processedBy, [...(running.get(chunk.processedBy) ?? []), work]);
  }
  const workers: DeploymentWorker[] = advertised.map((info) => ({
    id: info.id,
    kind: 'process',
    host: info.host,
    pid: info.pid,
    threads: info.threads,
    jobs: info.jobs,
    running: running.get(info.id) ?? [],
    itemsDone: info.itemsDone ?? null,
    startedAt: info.startedAt,
    seenAt: info.seenAt,
  }));
  // A worker BullMQ sees but that does not advertise (another version, its heartbeat lost) still runs chunks.
  const known = new Set(advertised.map((info) => info.id));
  for (const client of connected ?? []) {
    const id = workerName(client.rawname);
    if (id === null || known.has(id)) continue;
    known.add(id);
    workers.push({
      id,
      kind: 'process',
      host: (client.addr ?? '').replace(/:\d+$/, ''),
      pid: Number(id.split(':')[1]) || 0,
      threads: 0,
      jobs: [],
      running: running.get(id) ?? [],
      itemsDone: null,
      startedAt: Date.now() - Number(client.age ?? 0) * 1000,
      seenAt: Date.now(),
    });
  }
  return {
    workers,
    queue: {
      waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0),
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
    },
  };
}
