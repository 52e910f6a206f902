import type { JobSnapshot } from '@threadline/core/client';
import { memo, useEffect, useState } from 'react';
import { client, messageOf } from './api';
import { barFraction, formatCount, formatDuration, formatPercent, formatRate, STATE_LABEL } from './format';

/** Cancelling this long without an end offers Force, which terminates the job's workers. */
const FORCE_AFTER_MS = 1500;

export const JobRow = memo(function JobRow(props: {
  job: JobSnapshot;
  open: boolean;
  onToggle: (id: string) => void;
}) {
  const { job, open, onToggle } = props;
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const showForce = useForceAfter(job.state === 'cancelling');
  const fraction = barFraction(job);
  const percent = fraction === null ? null : Math.round(fraction * 1000) / 10;

  const cancel = async (force: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await client.cancel(job.id, force ? { force } : {});
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <li
      className={`job ${job.state}${open ? ' open' : ''}`}
      data-testid="job"
      data-job-id={job.id}
      data-state={job.state}
    >
      <div className="job-head">
        <button
          type="button"
          className="job-title link"
          onClick={() => onToggle(job.id)}
          aria-expanded={open}
        >
          {job.title} <span className="job-name">{job.name}</span>
        </button>
        <span className={`state ${job.state}`} data-testid="state">
          {STATE_LABEL[job.state]}
        </span>
        <span className="actions">
          {job.state !== 'cancelling' && (
            <button type="button" disabled={busy} onClick={() => cancel(false)}>
              Cancel
            </button>
          )}
          {showForce && (
            <button type="button" className="danger" disabled={busy} onClick={() => cancel(true)}>
              Force stop
            </button>
          )}
        </span>
      </div>
      <div
        className={`bar${percent === null ? ' indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent ?? undefined}
        aria-label={`${job.title} progress`}
      >
        <div className="fill" style={{ width: `${percent ?? 30}%` }} />
      </div>
      <div className="job-stats">
        <span data-testid="count">{formatCount(job.progress, job.unit)}</span>
        <span>{fraction === null ? '' : formatPercent(fraction)}</span>
        <span title="rate">{formatRate(job.progress.rate, job.unit)}</span>
        <span title="time left">ETA {formatDuration(job.progress.eta)}</span>
        {job.items.failed > 0 && <span className="failed-count">{job.items.failed} failed</span>}
      </div>
      {job.progress.message && <div className="message">{job.progress.message}</div>}
      {error && <div className="error">{error}</div>}
    </li>
  );
});

function useForceAfter(cancelling: boolean): boolean {
  const [show, setShow] = useState(false);
  useEffect(() => {
    if (!cancelling) {
      setShow(false);
      return;
    }
    const timer = setTimeout(() => setShow(true), FORCE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [cancelling]);
  return show;
}
