// A new job as every backend records it when it is queued: the fields fixed
// at creation, and the snapshot a client is handed back before anything ran.
import type { AnyJobDefinition } from '../job/define.js';
import type { JobSnapshot, Progress } from '../protocol/types.js';
import { newId } from './ids.js';

/** What never changes about a job after it is created (a distributed store keeps it as one field). */
export type StaticJob = Pick<
  JobSnapshot,
  'id' | 'name' | 'title' | 'input' | 'createdAt' | 'scheduleId' | 'runAt' | 'unit' | 'maxFailures'
>;

/** Progress before anything is known: no total, so no fraction, rate or ETA. */
export const EMPTY_PROGRESS: Readonly<Progress> = Object.freeze({
  done: 0,
  total: null,
  fraction: null,
  rate: null,
  eta: null,
  message: null,
});

/**
 * The fixed fields of a new job of `definition`, with a fresh id; `runAt` null means as soon as
 * possible; `maxFailures` is the run's own (see maxFailuresOf), kept by each run of a schedule.
 */
export function newStaticJob(
  definition: Pick<AnyJobDefinition, 'name' | 'title' | 'unit'>,
  input: unknown,
  scheduleId: string | null,
  runAt: number | null,
  maxFailures?: number,
): StaticJob {
  return {
    id: newId('j_'),
    name: definition.name,
    title: definition.title,
    input,
    createdAt: Date.now(),
    scheduleId,
    runAt,
    unit: definition.unit ?? 'items',
    ...(maxFailures !== undefined ? { maxFailures } : {}),
  };
}

/** A job's record as it is queued: not started, nothing counted yet. */
export function queuedSnapshot(fixed: StaticJob): JobSnapshot {
  return {
    id: fixed.id,
    name: fixed.name,
    title: fixed.title,
    state: 'queued',
    input: fixed.input,
    createdAt: fixed.createdAt,
    startedAt: null,
    finishedAt: null,
    progress: { ...EMPTY_PROGRESS },
    items: { total: null, succeeded: 0, failed: 0, cancelled: 0 },
    summary: null,
    error: null,
    scheduleId: fixed.scheduleId,
    runAt: fixed.runAt,
    unit: fixed.unit,
    ...(fixed.maxFailures !== undefined ? { maxFailures: fixed.maxFailures } : {}),
  };
}
