// A worker process's part in a deployment: takes chunks of items from the
// items queue and runs them on its own thread pool, enumerates started jobs
// from the control queue, hears cancels on a pub/sub channel, and reports
// progress. Crash recovery is BullMQ's: a chunk whose worker stops renewing
// its lock (SIGKILL, a lost machine) is moved back to wait and taken by another.
// It advertises itself (host, threads, the jobs it has) under a key its
// heartbeat keeps alive, so clients can say which jobs the connected workers run.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import type { JobRegistry } from '@threadline/core';
import { WorkerPool } from '@threadline/core/internal';
import { Queue, Worker } from 'bullmq';
import { evictionWarning, openRedis, probeRedis, type RedisConnection } from '../connection.js';
import { type EnumerateData, RunQueue } from '../runs.js';
import { CONTROL_QUEUE, ITEMS_QUEUE } from '../store/keys.js';
import { RedisStore, type RetentionOptions, type WorkerInfo } from '../store/store.js';
import { type ChunkData, ChunkRunner, type DrainReport } from './chunks.js';
import { Enumerator } from './enumerate.js';
import { ProgressReporter } from './progress.js';

export interface BullmqWorkerOptions {
  connection: RedisConnection;
  /** Worker threads, and so chunks run at once; default os.availableParallelism(). */
  concurrency?: number;
  /** Job names → module URLs; must know the names clients start. */
  registry?: JobRegistry;
  /** Key prefix of the deployment; default 'threadline'. */
  prefix?: string;
  /** What the jobs this worker finishes leave behind; give clients and workers the same. */
  retention?: RetentionOptions;
  /** How long a cancelled item may ignore its signal before its thread is terminated; default 2000 ms. */
  graceMs?: number;
  /** How long one item may run, for definitions without their own `itemTimeoutMs`; default none. */
  itemTimeoutMs?: number;
  /** How long shutdown() lets running chunks finish before it hands them back; default 10000 ms. */
  drainMs?: number;
  /** A chunk whose worker has not renewed its lock for this long is given to another worker; default 10 s. */
  lockDuration?: number;
  /** How often this worker looks for such chunks; default 5 s. */
  stalledInterval?: number;
  /** How often progress cells are sampled; default 250 ms. */
  tickMs?: number;
  /** Most items in one chunk; default 32. */
  maxChunk?: number;
  /**
   * How often this worker refreshes its advertisement (id, host, threads, jobs) in Redis; default 5 s.
   * It expires after three missed heartbeats, so a killed worker drops out of `workers()` on its own.
   */
  heartbeatMs?: number;
  /**
   * Told when Redis goes away and comes back (the worker waits for it meanwhile), and at start when
   * Redis may evict keys (its maxmemory-policy is not noeviction); default: that warning only, as a
   * process warning.
   */
  log?: (message: string) => void;
  resourceLimits?: ResourceLimits;
}

/** As the engine's ShutdownOptions. */
export interface WorkerShutdownOptions {
  /** Overrides the worker's drainMs; 0 hands running chunks back at once. */
  drainMs?: number;
  /** Told how many chunks run here as the drain starts (to say so in a log). */
  onDrain?: (running: number) => void;
}

export type { DrainReport };

export interface BullmqWorker {
  readonly id: string;
  /** os.hostname() of this machine, as named in the failures of jobs it lacks. */
  readonly host: string;
  readonly pool: WorkerPool;
  /**
   * Stops taking work and lets running chunks finish and record for up to `drainMs`; chunks still
   * running then are stopped and handed back to the queue, where another worker runs their items
   * again (nothing of them is recorded). Then stops the threads. Called again while draining with
   * `drainMs: 0`, it hands them back at once.
   */
  shutdown(options?: WorkerShutdownOptions): Promise<DrainReport>;
  /** shutdown() with the defaults. */
  close(): Promise<void>;
}

/** Starts a worker. Throws RedisUnavailableError when Redis does not answer at start. */
export async function runBullmqWorker(options: BullmqWorkerOptions): Promise<BullmqWorker> {
  await probeRedis(options.connection);
  const worker = new BullmqWorkerProcess(options);
  await worker.start();
  return worker;
}

/** Advertisements outlive this many missed heartbeats. */
const MISSED_HEARTBEATS = 3;
/** As in-process (EngineOptions.drainMs). */
const DEFAULT_DRAIN_MS = 10_000;

class BullmqWorkerProcess implements BullmqWorker {
  readonly host = hostname();
  readonly id = `${this.host}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly startedAt = Date.now();
  readonly pool: WorkerPool;
  private readonly redis;
  private readonly subscriber;
  private readonly store: RedisStore;
  private readonly itemsQueue: Queue<ChunkData>;
  private readonly runs: RunQueue;
  private readonly runner: ChunkRunner;
  private readonly enumerator: Enumerator;
  private readonly progress: ProgressReporter;
  private readonly workers: Worker[] = [];
  private tick: NodeJS.Timeout | undefined;
  private sweep: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  /** The advertisement being written, so close() removes it only after (a late write would bring it back). */
  private beating: Promise<void> | undefined;
  private closing: Promise<DrainReport> | undefined;
  /** A second shutdown() asked to stop at once: the drain ends now, or never starts. */
  private stopNow = false;
  private endDrain: (() => void) | undefined;

  constructor(private readonly options: BullmqWorkerOptions) {
    this.redis = openRedis(options.connection);
    this.subscriber = openRedis(options.connection);
    this.store = new RedisStore(this.redis, options.prefix, options.retention);
    this.pool = new WorkerPool({
      ...(options.concurrency !== undefined ? { size: options.concurrency } : {}),
      ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
      onLog: (log) => {
        this.store.log({ type: 'log', ...log }).catch(() => {});
      },
    });
    const registry = options.registry ?? {};
    const resolver = { id: this.id, host: this.host };
    this.itemsQueue = new Queue<ChunkData>(ITEMS_QUEUE, {
      connection: this.redis,
      prefix: this.store.keys.bullPrefix,
    });
    this.itemsQueue.on('error', () => {});
    const control = new Queue<EnumerateData>(CONTROL_QUEUE, {
      connection: this.redis,
      prefix: this.store.keys.bullPrefix,
    });
    control.on('error', () => {});
    this.runs = new RunQueue(this.store, control);
    this.runner = new ChunkRunner(
      this.store,
      this.runs,
      this.pool,
      resolver,
      registry,
      options.graceMs ?? 2000,
      options.itemTimeoutMs,
    );
    this.enumerator = new Enumerator(
      this.store,
      this.runs,
      this.itemsQueue,
      registry,
      options.maxChunk ?? 32,
      resolver,
    );
    this.progress = new ProgressReporter(this.store, this.id, this.runner);
  }

  async start(): Promise<void> {
    const channel = this.store.keys.cancelChannel;
    this.subscriber.on('message', (from: string, message: string) => {
      if (from !== channel) return;
      try {
        const { jobId, force } = JSON.parse(message) as { jobId: string; force: boolean };
        this.onCancel(jobId, force === true);
      } catch {
        // Not ours to understand (another version's message): ignore it.
      }
    });
    // Messages published while the subscriber was away are lost: ask again for the jobs running here.
    this.subscriber.on('ready', () => {
      this.recheckCancels().catch(() => {});
    });
    this.watchOutages();
    const warning = await evictionWarning(this.redis, this.options.connection).catch(() => null);
    if (warning) (this.options.log ?? ((message: string) => process.emitWarning(message)))(warning);
    await this.subscriber.subscribe(channel);
    await this.pool.ready();
    const common = {
      connection: this.redis,
      prefix: this.store.keys.bullPrefix,
      lockDuration: this.options.lockDuration ?? 10_000,
      stalledInterval: this.options.stalledInterval ?? 5_000,
      // Repeated stalls are judged by the chunk runner, which fails the items with a reason.
      maxStalledCount: 1000,
    };
    const items = new Worker<ChunkData>(ITEMS_QUEUE, (job, token) => this.runner.process(job, token), {
      ...common,
      // One chunk per thread; while chunks run short, more per thread taken ahead (chunksPerThread).
      concurrency: this.pool.size,
      // Its connection and the chunks it takes carry its id (CLIENT LIST, processedBy): workers() says who runs what.
      name: this.id,
    });
    const control = new Worker<EnumerateData>(
      CONTROL_QUEUE,
      (job, token) => this.enumerator.process(job, token),
      {
        ...common,
        // An enumeration holds its control job while it waits for room in its job's window: one per running job.
        concurrency: 64,
      },
    );
    this.runner.pacing.onChange = (perThread) => {
      items.concurrency = this.pool.size * perThread;
    };
    for (const worker of [items, control]) {
      // Connection errors while Redis is away are expected; BullMQ reconnects and carries on.
      worker.on('error', () => {});
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
    this.tick = setInterval(() => void this.progress.tick(), this.options.tickMs ?? 250);
    this.sweep = setInterval(() => void this.runs.recover().catch(() => {}), 5000);
    // Advertised once it takes work; each beat rewrites the record, so a Redis restarted empty has it again.
    const heartbeatMs = this.options.heartbeatMs ?? 5000;
    await this.advertise(heartbeatMs);
    if (!this.closing) this.heartbeat = setInterval(() => void this.advertise(heartbeatMs), heartbeatMs);
  }

  /** What this worker advertises: who it is, the jobs it can run by name, and the items it ran. */
  private info(): WorkerInfo {
    return {
      id: this.id,
      host: this.host,
      pid: process.pid,
      threads: this.pool.size,
      jobs: Object.keys(this.options.registry ?? {}).sort(),
      // Each thread's own count (core's Slot), as the engine reports its threads: a chunk counts as it ends.
      itemsDone: this.pool.slots.reduce((sum, slot) => sum + slot.itemsDone, 0),
      startedAt: this.startedAt,
      seenAt: Date.now(),
    };
  }

  /** One heartbeat; skipped while the last is still waiting on Redis, so an outage queues no backlog. */
  private advertise(heartbeatMs: number): Promise<void> {
    if (this.beating || this.closing) return this.beating ?? Promise.resolve();
    const beat = this.store
      .advertise(this.info(), heartbeatMs * MISSED_HEARTBEATS)
      .catch(() => {})
      .finally(() => {
        this.beating = undefined;
      });
    this.beating = beat;
    return beat;
  }

  /** One line when Redis goes away and one when it is back, not one per reconnect attempt. */
  private watchOutages(): void {
    const log = this.options.log;
    if (!log) return;
    let down = false;
    this.redis.on('error', (error: Error) => {
      if (down || this.closing) return;
      down = true;
      log(`lost Redis (${error.message}); waiting for it to come back`);
    });
    this.redis.on('ready', () => {
      if (!down) return;
      down = false;
      log('Redis is back; carrying on');
    });
  }

  private onCancel(jobId: string, force: boolean): void {
    this.runner.cancelJob(jobId, force);
    this.enumerator.stop(jobId);
  }

  private async recheckCancels(): Promise<void> {
    const jobIds = new Set([...this.runner.running].map((chunk) => chunk.jobId));
    for (const jobId of jobIds) {
      const [state, force] = await this.redis.hmget(this.store.keys.job(jobId), 'state', 'cancelForce');
      if (state === 'cancelling') this.onCancel(jobId, force === '1');
      else if (state !== 'running') this.onCancel(jobId, true);
    }
  }

  shutdown(options: WorkerShutdownOptions = {}): Promise<DrainReport> {
    if (this.closing) {
      if (options.drainMs === 0) {
        this.stopNow = true;
        this.endDrain?.();
      }
      return this.closing;
    }
    this.closing = this.stop(options);
    return this.closing;
  }

  async close(): Promise<void> {
    await this.shutdown();
  }

  private async stop(options: WorkerShutdownOptions): Promise<DrainReport> {
    // Withdrawn first: a closing worker takes no new work, so no client should count on it.
    clearInterval(this.heartbeat);
    await this.beating;
    await this.store.withdraw(this.id).catch(() => {});
    this.runner.startDrain();
    // Enumerations mostly wait for room in their window: the drain would wait all of drainMs for
    // them. They go back to wait at once, and another worker enumerates again, adding no chunk twice.
    this.enumerator.handBackAll();
    options.onDrain?.(this.runner.running.size);
    // BullMQ's close takes no more chunks, then waits for those running here.
    const stopped = Promise.all(this.workers.map((worker) => worker.close()));
    const drainMs = this.stopNow ? 0 : (options.drainMs ?? this.options.drainMs ?? DEFAULT_DRAIN_MS);
    const inTime = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), drainMs);
      this.endDrain = () => {
        clearTimeout(timer);
        resolve(false);
      };
      void stopped.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    this.endDrain = undefined;
    if (!inTime) {
      this.runner.handBackAll();
      this.enumerator.handBackAll();
    }
    await stopped;
    clearInterval(this.tick);
    clearInterval(this.sweep);
    await this.progress.tick();
    await this.itemsQueue.close();
    await this.runs.queue.close();
    await this.pool.close();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
    await this.redis.quit().catch(() => this.redis.disconnect());
    return this.runner.drainReport;
  }
}
