// The schedules of periodic jobs (started with `every`): each with its job, its
// period, when its next run is due (and that run, waiting or running), how its
// last finished run ended, paused or not, and the buttons to pause, resume or
// remove it. Shown only when there is one.
import { createTicker, formatAgo, formatNextRun, isActive, type ScheduleInfo } from '@threadline/core/client';
import { memo, useState, useSyncExternalStore } from 'react';
import { client, messageOf } from './api';
import { formatFullTime, NONE, stateClass, stateLabel } from './format';
import { JobLink } from './JobLink';
import { dropSchedule, putSchedule, refreshSchedules, useSchedules } from './schedules';
import { useJobState, useOffline } from './store';

const clock = createTicker(1000);
const still = () => () => {};
/** The clock the "in 42s" and "2m ago" of each row read, a tick a second while either shows; nothing is fetched. */
function useNow(ticking: boolean): number {
  return useSyncExternalStore(ticking ? clock.subscribe : still, clock.now);
}

export function Schedules() {
  const { schedules, error } = useSchedules();
  const now = useNow(schedules.some((s) => s.nextRunAt !== null || s.lastFinished !== null));
  if (schedules.length === 0 && !error) return null;
  return (
    <section className="panel schedules-panel" data-testid="schedules-panel">
      <h2>
        Schedules <span className="count">{schedules.length}</span>
      </h2>
      {schedules.length > 0 && (
        <div className="table-wrap">
          <table className="history schedules" data-testid="schedules">
            <thead>
              <tr>
                <th>Job</th>
                <th>Every</th>
                <th>Next run</th>
                <th>Last run</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {schedules.map((schedule) => (
                <ScheduleRow key={schedule.id} schedule={schedule} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {error && <div className="error">Cannot list the schedules: {error}</div>}
    </section>
  );
}

const ScheduleRow = memo(function ScheduleRow(props: { schedule: ScheduleInfo; now: number }) {
  const { schedule, now } = props;
  const offline = useOffline();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [confirming, setConfirming] = useState(false);

  const act = async (request: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await request();
    } catch (e) {
      setError(messageOf(e));
      // What the server holds may not be what the row shows (removed elsewhere, say).
      void refreshSchedules();
    } finally {
      setBusy(false);
    }
  };
  const pause = () => act(async () => putSchedule(await client.pauseSchedule(schedule.id)));
  const resume = () => act(async () => putSchedule(await client.resumeSchedule(schedule.id)));
  const remove = () =>
    act(async () => {
      await client.removeSchedule(schedule.id);
      dropSchedule(schedule.id);
    });

  return (
    <tr
      data-testid="schedule"
      data-schedule-id={schedule.id}
      data-paused={schedule.paused}
      className={schedule.paused ? 'paused' : ''}
    >
      <td className="schedule-job">
        <div>{schedule.title}</div>
        <div className="job-name">{schedule.name}</div>
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
      </td>
      <td className="schedule-every" data-testid="every">
        every {schedule.every}
      </td>
      <td className="schedule-next">
        <div data-testid="next-run">
          {schedule.paused ? (
            <span className="state state-paused">paused</span>
          ) : schedule.nextRunAt === null ? (
            NONE
          ) : (
            <time
              dateTime={new Date(schedule.nextRunAt).toISOString()}
              title={formatFullTime(schedule.nextRunAt)}
            >
              {formatNextRun(schedule, now)}
            </time>
          )}
        </div>
        <WaitingRun schedule={schedule} />
      </td>
      <td className="schedule-last" data-testid="last-run">
        {schedule.lastFinished === null ? (
          NONE
        ) : (
          <span className="latest-run">
            <span className={stateClass(schedule.lastFinished.state)}>
              {stateLabel(schedule.lastFinished.state)}
            </span>
            <span>
              ·{' '}
              <time
                dateTime={new Date(schedule.lastFinished.finishedAt).toISOString()}
                title={formatFullTime(schedule.lastFinished.finishedAt)}
              >
                {formatAgo(schedule.lastFinished.finishedAt, now)}
              </time>
            </span>
            <JobLink id={schedule.lastFinished.jobId} withState={false} />
          </span>
        )}
      </td>
      <td className="row-actions">
        {confirming ? (
          <fieldset className="confirm" aria-label="Remove this schedule?">
            <span>Remove schedule?</span>
            <button
              type="button"
              className="danger"
              disabled={busy || offline}
              onClick={() => void remove().then(() => setConfirming(false))}
            >
              Remove
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              Keep
            </button>
          </fieldset>
        ) : (
          <>
            {schedule.paused ? (
              <button type="button" disabled={busy || offline} onClick={resume}>
                Resume
              </button>
            ) : (
              <button type="button" disabled={busy || offline} onClick={pause}>
                Pause
              </button>
            )}
            <button type="button" disabled={busy || offline} onClick={() => setConfirming(true)}>
              Remove
            </button>
          </>
        )}
      </td>
    </tr>
  );
});

/**
 * The schedule's latest run while it has not finished (waiting its time, or running): the
 * link to it. A run dropped by a pause is left out; the last run column has the one that ran.
 */
function WaitingRun({ schedule }: { schedule: ScheduleInfo }) {
  const { lastJobId, lastFinished } = schedule;
  const state = useJobState(lastJobId ?? '');
  if (lastJobId === null || lastJobId === lastFinished?.jobId) return null;
  if (state !== undefined && !isActive(state)) return null;
  return (
    <div className="latest-run" data-testid="latest-run">
      <JobLink id={lastJobId} withState />
    </div>
  );
}
