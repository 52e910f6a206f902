// JobClient over BullMQ + Redis. Starting a job writes its record and queues
// one control job that a worker turns into chunks of items; everything else
// (state, progress, outcomes, events) is read from the records and streams the
// workers write. The client runs no items itself.
import {
  type CancelOptions,
  type ClearOptions,
  type EventsOptions,
  type JobClient,
  type JobDefinitionInfo,
  type JobDetails,
  type JobEvent,
  type JobFilter,
  type JobPage,
  type JobQuery,
  type JobRegistry,
  type JobSnapshot,
  NotFoundError,
  parseDuration,
  type ScheduleInfo,
  type StartOptions,
  ValidationError,
} from '@threadline/core';
import {
  definitionInfo,
  maxFailuresOf,
  newId,
  newStaticJob,
  queuedSnapshot,
  validateInput,
} from '@threadline/core/internal';
import { Queue } from 'bullmq';
import { openRedis, probeRedis, type RedisClient, type RedisConnection } from '../connection.js';
import { loadDefinition } from '../definitions.js';
import { finishJob } from '../finish.js';
import { removeQueuedChunks } from '../queued-chunks.js';
import { type EnumerateData, RunQueue } from '../runs.js';
import { CONTROL_QUEUE, ITEMS_QUEUE } from '../store/keys.js';
import { type NewSchedule, RedisStore, type RetentionOptions } from '../store/store.js';
import { followEvents } from './events.js';
import { clearFinished, deleteJob, findJobs } from './find.js';
import { RedisSchedules } from './schedules.js';
import { type DeploymentWorkers, readWorkers } from './workers.js';

export interface BullmqClientOptions {
  connection: RedisConnection;
  /** Job names → module URLs (the built-ins, usually). Workers must know the same names. */
  registry?: JobRegistry;
  /** Key prefix of the deployment; clients and workers must agree. Default 'threadline'. */
  prefix?: string;
  /** What jobs this client finishes (cancels) leave behind; give clients and workers the same. */
  retention?: RetentionOptions;
}

/** A JobClient on a deployment, which can also say which workers are connected to it. */
export interface BullmqClient extends JobClient {
  /** The connected workers (by host, then id; a closed or killed one is not listed), what each runs, and the queue's depth. */
  workers(): Promise<DeploymentWorkers>;
}

/** A run's fields as JSON, less those each run of a schedule has its own of. */
const runTemplate = (value: object) =>
  JSON.stringify({ ...value, id: undefined, createdAt: undefined, runAt: undefined });

/** Connects to a deployment. Throws RedisUnavailableError when Redis does not answer. */
export async function createBullmqClient(options: BullmqClientOptions): Promise<BullmqClient> {
  await probeRedis(options.connection);
  return new RedisJobClient(options);
}

class RedisJobClient implements BullmqClient {
  private readonly redis: RedisClient;
  private readonly store: RedisStore;
  private readonly runs: RunQueue;
  private readonly itemsQueue: Queue;
  private readonly book: RedisSchedules;
  private readonly registry: JobRegistry;
  private readonly readers = new Set<RedisClient>();
  /** Starts and cancels under way; close() lets them end (a cancel fired and not awaited, as on Ctrl+C). */
  private readonly calls = new Set<Promise<unknown>>();
  private closed = false;

  constructor(options: BullmqClientOptions) {
    this.registry = options.registry ?? {};
    this.redis = openRedis(options.connection);
    this.store = new RedisStore(this.redis, options.prefix, options.retention);
    const control = new Queue<EnumerateData>(CONTROL_QUEUE, {
      connection: this.redis,
      prefix: this.store.keys.bullPrefix,
    });
    control.on('error', () => {});
    this.runs = new RunQueue(this.store, control);
    this.itemsQueue = new Queue(ITEMS_QUEUE, { connection: this.redis, prefix: this.store.keys.bullPrefix });
    this.itemsQueue.on('error', () => {});
    this.book = new RedisSchedules(this.store, this.runs);
  }

  /** The registry's jobs, each with the connected workers that have it by the name the client starts it by. */
  async definitions(): Promise<JobDefinitionInfo[]> {
    const [infos, workers] = await Promise.all([
      Promise.all(
        Object.keys(this.registry).map(async (name) => ({
          name,
          info: definitionInfo((await loadDefinition(name, this.registry)).definition),
        })),
      ),
      this.store.workers(),
    ]);
    // In the registry's order: the project's own jobs come first.
    return infos.map(({ name, info }) => ({
      ...info,
      workers: workers.filter((w) => w.jobs.includes(name)).map((w) => ({ id: w.id, host: w.host })),
    }));
  }

  workers(): Promise<DeploymentWorkers> {
    return readWorkers(this.store, this.itemsQueue);
  }

  start(name: string, input: unknown, options: StartOptions = {}): Promise<JobSnapshot> {
    return this.track(this.startJob(name, input, options));
  }

  cancel(jobId: string, options: CancelOptions = {}): Promise<JobSnapshot> {
    return this.track(this.cancelJob(jobId, options));
  }

  /** Not on this backend yet: its items are not recorded per job in a way a resume could use. */
  async resume(jobId: string): Promise<JobSnapshot> {
    throw new ValidationError(
      `resume is not available on the BullMQ backend yet: start job ${jobId}'s input again to rerun it`,
    );
  }

  /** Not on this backend yet: its workers record no batches (which thread ran which item, when). */
  async items(jobId: string): Promise<never> {
    throw new ValidationError(
      `items is not available on the BullMQ backend yet: job ${jobId}'s details list its failed items`,
    );
  }

  /** Not on this backend yet, as items. */
  async timeline(jobId: string): Promise<never> {
    throw new ValidationError(`timeline is not available on the BullMQ backend yet (job ${jobId})`);
  }

  schedules(): Promise<ScheduleInfo[]> {
    return this.book.list();
  }

  /** Not on this backend yet: the store keeps no paused flag, and nothing would queue the next run on resume. */
  async pauseSchedule(scheduleId: string): Promise<ScheduleInfo> {
    await this.book.check(scheduleId);
    throw new ValidationError(
      `pausing a schedule is not available on the BullMQ backend yet: remove schedule ${scheduleId} and start its job again with every to run it again`,
    );
  }

  async resumeSchedule(scheduleId: string): Promise<ScheduleInfo> {
    await this.book.check(scheduleId);
    throw new ValidationError(
      `resuming a schedule is not available on the BullMQ backend yet: its schedules cannot be paused, so schedule ${scheduleId} runs already`,
    );
  }

  removeSchedule(scheduleId: string): Promise<void> {
    return this.track(this.book.remove(scheduleId));
  }

  private track<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    const done = () => this.calls.delete(call);
    call.then(done, done);
    return call;
  }

  private async startJob(name: string, input: unknown, options: StartOptions): Promise<JobSnapshot> {
    const { definition, moduleUrl } = await loadDefinition(name, this.registry);
    const parsed = validateInput(definition.input, input ?? {}, definition.name);
    const every = options.every ?? definition.every;
    const everyMs = every ? Math.round(parseDuration(every)) : null;
    const maxFailures = maxFailuresOf(definition, options);
    const fixed = newStaticJob(definition, parsed, everyMs === null ? null : newId('s_'), null, maxFailures);
    const snapshot = queuedSnapshot(fixed);
    // Each next run is recorded by the finish script from these, so it needs no client.
    const schedule: NewSchedule | undefined =
      fixed.scheduleId !== null && everyMs !== null
        ? {
            id: fixed.scheduleId,
            everyMs,
            staticTemplate: runTemplate(fixed),
            snapshotTemplate: runTemplate(snapshot),
          }
        : undefined;
    // Workers resolve the ref through their own registry: a name travels, a local path may not.
    const ref = this.registry[name] ? name : moduleUrl;
    await this.store.create(fixed, ref, definition.process ? 'process' : 'run', snapshot, schedule);
    await this.runs.add(fixed.id, null);
    return snapshot;
  }

  private async cancelJob(jobId: string, options: CancelOptions): Promise<JobSnapshot> {
    const result = await this.store.cancel(jobId, options);
    if (result.state === 'missing') throw new NotFoundError(`no job with id ${jobId}`);
    // Cancelled while queued: its control job (delayed, for a periodic job's next run) must not linger.
    if (result.state === 'cancelled') await this.runs.remove(jobId);
    // Its chunks still waiting go now, so they hold up no other job's behind them.
    else if (result.state === 'cancelling') await removeQueuedChunks(this.itemsQueue, jobId);
    // Nothing was out on a worker: no worker will see this job again, so it is finished here. A forced
    // cancel ends it here too, at once: it waits for no worker (one dead, or cut off by a full Redis,
    // would hold it cancelling for ever); workers terminate its items as they hear it, and what they
    // record after is dropped.
    const forced = options.force === true && result.state === 'cancelling';
    if (result.complete || forced)
      await finishJob(this.store, this.runs, jobId, await this.definitionOf(jobId));
    const job = await this.store.get(jobId);
    if (!job) throw new NotFoundError(`job ${jobId} was cancelled and then removed by retention`);
    return job;
  }

  private async definitionOf(jobId: string) {
    const meta = await this.store.meta(jobId);
    if (!meta) return undefined;
    try {
      return (await loadDefinition(meta.ref, this.registry)).definition;
    } catch {
      return undefined;
    }
  }

  get(jobId: string): Promise<JobSnapshot | undefined> {
    return this.store.get(jobId);
  }

  async details(jobId: string): Promise<JobDetails | undefined> {
    const job = await this.store.get(jobId);
    if (!job) return undefined;
    const [failures, logs] = await Promise.all([this.store.failures(jobId), this.store.logs(jobId)]);
    return { job, failures, logs };
  }

  async list(filter: JobFilter = {}): Promise<JobSnapshot[]> {
    const limit = filter.limit ?? 50;
    const states = filter.state === undefined ? null : [filter.state].flat();
    let before = filter.before ? await this.store.createdAt(filter.before) : null;
    if (filter.before && before === null) return [];
    const found: JobSnapshot[] = [];
    // Filtering happens here, so read pages until the limit is met or the jobs run out.
    while (found.length < limit) {
      const ids = await this.store.jobIds(before, Math.max(limit, 100));
      if (ids.length === 0) break;
      const jobs = await this.store.getMany(ids);
      for (const job of jobs) {
        if (states && !states.includes(job.state)) continue;
        if (filter.name && job.name !== filter.name) continue;
        if (found.length < limit) found.push(job);
      }
      const last = jobs.at(-1);
      if (!last || ids.length < Math.max(limit, 100)) break;
      before = last.createdAt;
    }
    return found;
  }

  find(query: JobQuery = {}): Promise<JobPage> {
    return findJobs(this.store, query);
  }

  delete(jobId: string): Promise<void> {
    return deleteJob(this.store, jobId);
  }

  clearFinished(options: ClearOptions = {}): Promise<{ deleted: number }> {
    return clearFinished(this.store, options);
  }

  events(options: EventsOptions = {}): AsyncIterable<JobEvent> {
    return followEvents(
      this.store,
      () => {
        if (this.closed) throw new Error('the client is closed');
        const reader = this.redis.duplicate();
        reader.on('error', () => {});
        this.readers.add(reader);
        reader.once('end', () => this.readers.delete(reader));
        return reader;
      },
      options,
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.calls]);
    for (const reader of this.readers) reader.disconnect();
    await this.runs.queue.close();
    await this.itemsQueue.close();
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
