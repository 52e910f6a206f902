// Typed calls on a deployment's Redis: the scripts that change job records,
// and the reads clients make. Shared by the client and the worker. One entry
// point over four parts, each documented where it is written: the job steps
// (./steps.ts), the reads (./reads.ts), retention (./retention.ts) and the
// workers' advertisements (./advertisements.ts).
import type { RedisClient } from '../connection.js';
import { Advertisements } from './advertisements.js';
import { type Keys, keys } from './keys.js';
import { JobReads } from './reads.js';
import { Retention, type RetentionOptions } from './retention.js';
import { ScriptRunner } from './run-script.js';
import { JobSteps } from './steps.js';

export type { WorkerInfo } from './advertisements.js';
export { type FailureCounts, type FinishInfo, parseEvent } from './reads.js';
export type { RetentionOptions } from './retention.js';
export type { ClaimResult, NewSchedule, NextRun, RecordedItem } from './steps.js';

type Of<T, K extends keyof T> = T[K] extends (...args: infer A) => infer R ? (...args: A) => R : never;

export class RedisStore {
  readonly keys: Keys;
  /** Entries the deployment's stream keeps, about (retention.maxEvents, at least a stream node). */
  readonly maxEvents: number;
  private readonly retention: Retention;
  private readonly steps: JobSteps;
  private readonly reads: JobReads;
  private readonly advertisements: Advertisements;

  constructor(
    readonly redis: RedisClient,
    prefix?: string,
    retention: RetentionOptions = {},
  ) {
    this.keys = keys(prefix);
    // At least a stream node's worth (stream-node-max-entries is 100): `~` trims whole nodes only.
    const maxJobEvents = Math.max(100, Math.floor(retention.maxJobEvents ?? 10_000));
    this.maxEvents = Math.max(100, Math.floor(retention.maxEvents ?? 100_000));
    this.retention = new Retention(redis, this.keys, retention);
    const scripts = new ScriptRunner(redis, this.keys, maxJobEvents, this.maxEvents);
    this.steps = new JobSteps(redis, this.keys, scripts, this.retention);
    this.reads = new JobReads(redis, this.keys);
    this.advertisements = new Advertisements(redis, this.keys);
  }

  // Retention.
  prune: Of<Retention, 'prune'> = (...args) => this.retention.prune(...args);
  remove: Of<Retention, 'remove'> = (...args) => this.retention.remove(...args);

  // The job steps.
  create: Of<JobSteps, 'create'> = (...args) => this.steps.create(...args);
  begin: Of<JobSteps, 'begin'> = (...args) => this.steps.begin(...args);
  enumerated: Of<JobSteps, 'enumerated'> = (...args) => this.steps.enumerated(...args);
  claim: Of<JobSteps, 'claim'> = (...args) => this.steps.claim(...args);
  record: Of<JobSteps, 'record'> = (...args) => this.steps.record(...args);
  failChunk: Of<JobSteps, 'failChunk'> = (...args) => this.steps.failChunk(...args);
  cancel: Of<JobSteps, 'cancel'> = (...args) => this.steps.cancel(...args);
  progress: Of<JobSteps, 'progress'> = (...args) => this.steps.progress(...args);
  finish: Of<JobSteps, 'finish'> = (...args) => this.steps.finish(...args);
  handedOff: Of<JobSteps, 'handedOff'> = (...args) => this.steps.handedOff(...args);
  log: Of<JobSteps, 'log'> = (...args) => this.steps.log(...args);

  // The reads.
  stranded: Of<JobReads, 'stranded'> = (...args) => this.reads.stranded(...args);
  outcomeCounts: Of<JobReads, 'outcomeCounts'> = (...args) => this.reads.outcomeCounts(...args);
  state: Of<JobReads, 'state'> = (...args) => this.reads.state(...args);
  get: Of<JobReads, 'get'> = (...args) => this.reads.get(...args);
  getMany: Of<JobReads, 'getMany'> = (...args) => this.reads.getMany(...args);
  jobIds: Of<JobReads, 'jobIds'> = (...args) => this.reads.jobIds(...args);
  createdAt: Of<JobReads, 'createdAt'> = (...args) => this.reads.createdAt(...args);
  meta: Of<JobReads, 'meta'> = (...args) => this.reads.meta(...args);
  failureCounts: Of<JobReads, 'failureCounts'> = (...args) => this.reads.failureCounts(...args);
  finishInfo: Of<JobReads, 'finishInfo'> = (...args) => this.reads.finishInfo(...args);
  resultsJson: Of<JobReads, 'resultsJson'> = (...args) => this.reads.resultsJson(...args);
  failures: Of<JobReads, 'failures'> = (...args) => this.reads.failures(...args);
  logs: Of<JobReads, 'logs'> = (...args) => this.reads.logs(...args);
  lastSeq: Of<JobReads, 'lastSeq'> = (...args) => this.reads.lastSeq(...args);

  // The workers' advertisements.
  advertise: Of<Advertisements, 'advertise'> = (...args) => this.advertisements.advertise(...args);
  withdraw: Of<Advertisements, 'withdraw'> = (...args) => this.advertisements.withdraw(...args);
  workers: Of<Advertisements, 'workers'> = (...args) => this.advertisements.workers(...args);
}
