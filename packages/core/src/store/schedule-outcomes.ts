// How each schedule's runs ended: its newest finished run that ran, read through an
// index on the run's schedule and finish time (the jobs table keeps a run's schedule
// only in its JSON, so the index is on that expression; SQLite uses it for a query
// that spells the expression the same way).
import type Database from 'better-sqlite3';
import type { JobState, ScheduleOutcome } from '../protocol/types.js';

const SCHEDULE = "json_extract(data, '$.scheduleId')";

/** Partial: only runs of a schedule are in it, so one-off jobs cost it nothing. */
export const SCHEDULE_RUNS_INDEX = `
CREATE INDEX IF NOT EXISTS jobs_schedule_finished ON jobs(${SCHEDULE}, finished_at) WHERE ${SCHEDULE} IS NOT NULL;
`;

// A run dropped while it waited (a pause, a removal) is recorded cancelled but never ran: it
// is skipped, so a paused schedule still shows how its last real run went.
const LAST_FINISHED = `
SELECT id, state, finished_at AS finishedAt,
  json_extract(data, '$.items.succeeded') AS succeeded,
  json_extract(data, '$.items.failed') AS failed,
  json_extract(data, '$.items.cancelled') AS cancelled
FROM jobs
WHERE ${SCHEDULE} = ? AND finished_at IS NOT NULL AND json_extract(data, '$.startedAt') IS NOT NULL
ORDER BY finished_at DESC LIMIT 1`;

interface Row {
  id: string;
  state: JobState;
  finishedAt: number;
  succeeded: number | null;
  failed: number | null;
  cancelled: number | null;
}

export class ScheduleOutcomes {
  private readonly statement: Database.Statement;

  constructor(db: Database.Database) {
    this.statement = db.prepare(LAST_FINISHED);
  }

  /** The schedule's newest run that ran and ended, or null. */
  lastFinished(scheduleId: string): ScheduleOutcome | null {
    const row = this.statement.get(scheduleId) as Row | undefined;
    if (!row) return null;
    return {
      jobId: row.id,
      state: row.state,
      finishedAt: row.finishedAt,
      items: { succeeded: row.succeeded ?? 0, failed: row.failed ?? 0, cancelled: row.cancelled ?? 0 },
    };
  }
}
