import { isActive, type JobSnapshot } from '@threadline/core/client';
import { memo } from 'react';
import { useActions, useCancel } from './actions';
import {
  barFraction,
  formatDuration,
  formatJobCount,
  formatPercent,
  formatRate,
  formatTime,
  stateClass,
  stateLabel,
} from './format';
import { useOffline } from './store';

export const JobRow = memo(function JobRow(props: { job: JobSnapshot; open: boolean }) {
  const { job, open } = props;
  const { toggle } = useActions();
  const offline = useOffline();
  const { cancel, busy, error, showForce } = useCancel(job);
  const fraction = barFraction(job);
  // Rounded, but never up to full: only a succeeded job's bar is (core's barFraction).
  const percent =
    fraction === null ? null : Math.min(Math.round(fraction * 1000) / 10, fraction < 1 ? 99.9 : 100);
  // Without the server, a running job's rate and ETA are only what they were: they must not look live.
  const stale = offline && isActive(job.state);
  // A schedule's next run, queued until its time: nothing is about to move.
  const waiting = job.state === 'queued' && job.runAt !== null && !stale;

  return (
    <li
      className={`job ${job.state}${open ? ' open' : ''}${stale ? ' stale' : ''}`}
      data-testid="job"
      data-job-id={job.id}
      data-state={job.state}
    >
      <div className="job-head">
        <button type="button" className="job-title link" onClick={() => toggle(job.id)} aria-expanded={open}>
          {job.title} <span className="job-name">{job.name}</span>
        </button>
        <span className={stale ? 'state state-unknown' : stateClass(job.state)} data-testid="state">
          {stale ? 'unknown' : stateLabel(job.state)}
        </span>
        <span className="actions">
          {job.state !== 'cancelling' && (
            <button type="button" disabled={busy || offline} onClick={() => cancel(false)}>
              Cancel
            </button>
          )}
          {showForce && (
            <button type="button" className="danger" disabled={busy || offline} onClick={() => cancel(true)}>
              Force stop
            </button>
          )}
        </span>
      </div>
      <div
        className={`bar${percent === null && !stale && !waiting ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-label={`${job.title} progress`}
      >
        <div className="fill" style={{ width: `${percent ?? (waiting ? 0 : 30)}%` }} />
      </div>
      <div className="job-stats">
        <span data-testid="count">{formatJobCount(job)}</span>
        <span>{fraction === null ? '' : formatPercent(fraction)}</span>
        {stale ? (
          <span className="stale-note">last known — the server is not answering</span>
        ) : waiting ? (
          <span data-testid="due">due at {formatTime(job.runAt)}</span>
        ) : (
          <>
            <span title="rate">{formatRate(job.progress.rate, job.unit)}</span>
            <span title="time left">ETA {formatDuration(job.progress.eta)}</span>
          </>
        )}
      </div>
      {job.progress.message && !stale && <div className="message">{job.progress.message}</div>}
      {error && <div className="error">{error}</div>}
    </li>
  );
});
