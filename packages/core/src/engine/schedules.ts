// The engine's schedules: what makes the runs of a periodic job, kept in the
// store so that they outlive the engine. A schedule's next run is one queued
// job; a run missed while no engine was up runs once on start, not once per
// period missed.
import { parseDuration } from '../protocol/duration.js';
import { NotFoundError } from '../protocol/errors.js';
import type { ScheduleInfo, ScheduleOutcome } from '../protocol/types.js';
import { newId } from '../rules/ids.js';
import type { ScheduleRecord, Store } from '../store/store.js';

export class Schedules {
  private readonly records = new Map<string, ScheduleRecord>();

  constructor(private readonly store: Store) {
    for (const record of store.schedules()) this.records.set(record.id, record);
  }

  create(
    fields: Pick<ScheduleRecord, 'name' | 'title' | 'moduleUrl' | 'input' | 'every'> & {
      maxFailures: number | undefined;
    },
  ): ScheduleRecord {
    const { maxFailures, ...rest } = fields;
    const record: ScheduleRecord = {
      id: newId('s_'),
      ...rest,
      ...(maxFailures !== undefined ? { maxFailures } : {}),
      everyMs: parseDuration(fields.every),
      paused: false,
      nextRunAt: Date.now(),
      lastJobId: null,
      lastStartedAt: null,
      createdAt: Date.now(),
    };
    this.records.set(record.id, record);
    this.store.saveSchedule(record);
    return record;
  }

  get(id: string | null): ScheduleRecord | undefined {
    return id === null ? undefined : this.records.get(id);
  }

  /** The schedule or a NotFoundError naming it. */
  find(id: string): ScheduleRecord {
    const record = this.records.get(id);
    if (!record) throw new NotFoundError(`no schedule with id ${id}`);
    return record;
  }

  all(): ScheduleRecord[] {
    return [...this.records.values()].sort((a, b) => a.createdAt - b.createdAt);
  }

  /** When the run after one that started at `startedAt` is due (now, if that time has passed). */
  nextRunAt(record: ScheduleRecord): number {
    const due = record.lastStartedAt === null ? Date.now() : record.lastStartedAt + record.everyMs;
    return Math.max(Date.now(), due);
  }

  update(record: ScheduleRecord, change: Partial<ScheduleRecord>): ScheduleRecord {
    Object.assign(record, change);
    this.store.saveSchedule(record);
    return record;
  }

  remove(id: string): void {
    this.records.delete(id);
    this.store.deleteSchedule(id);
  }
}

/** A schedule as clients see it: without the engine's own fields, with how its last run ended (the store's). */
export function scheduleInfo(record: ScheduleRecord, lastFinished: ScheduleOutcome | null): ScheduleInfo {
  const { moduleUrl: _m, everyMs: _e, lastStartedAt: _l, ...info } = record;
  return { ...structuredClone(info), lastFinished };
}
