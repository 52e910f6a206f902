// One job, to look at rather than read: a bar split by outcome, rate and ETA,
// its throughput, which thread ran which item when, its items one by one, the
// failed items, and the tail of its log; what can be done with it (cancel,
// retry what failed or resume, run again). One event stream (job-stream.ts)
// feeds every part live; nothing polls.
import { isActive, type JobSnapshot } from '@threadline/core/client';
import { useEffect, useRef } from 'react';
import { resumeLabel, useActions, useCancel, useDelete, useResume } from './actions';
import { FailedItems } from './FailedItems';
import {
  formatDuration,
  formatJobCount,
  formatRate,
  formatTime,
  stateClass,
  stateLabel,
  took,
} from './format';
import { ItemsTable } from './ItemsTable';
import { type JobStream, useJobStream } from './job-stream';
import { Lineage } from './Lineage';
import { LogTail } from './LogTail';
import { OutcomeBar } from './OutcomeBar';
import { useDeleted, useOffline, useResumedAs } from './store';
import { ThroughputChart } from './ThroughputChart';
import { Timeline } from './Timeline';

export function JobDetailsPanel(props: {
  id: string;
  /** The job as the event stream has it now, when this page holds it. */
  live: JobSnapshot | undefined;
  onClose: () => void;
}) {
  const { id, live, onClose } = props;
  const ref = useRef<HTMLElement>(null);
  const followed = useJobStream(id);
  const job = live ?? followed.job;
  const deleted = useDeleted(job);

  // Opened from far down a long list, or on a phone below the running jobs: bring it on screen,
  // again once its failures and logs are in (the browser's scroll anchoring may have moved it).
  // biome-ignore lint/correctness/useExhaustiveDependencies: `loaded` is the trigger.
  useEffect(() => {
    const top = ref.current?.getBoundingClientRect().top;
    if (top !== undefined && (top < 0 || top > window.innerHeight - 80))
      ref.current?.scrollIntoView({ block: 'start' });
  }, [followed.loaded]);

  return (
    <section className="panel details" data-testid="details" data-job-id={id} ref={ref}>
      <header className="details-head">
        <h2>{job ? job.title : 'Job'}</h2>
        <button type="button" className="close" onClick={onClose} aria-label="Close details">
          Close
        </button>
      </header>
      {deleted && (
        <p className="empty" data-testid="details-deleted">
          This job was deleted.
        </p>
      )}
      {!deleted && followed.error && <div className="error">{followed.error}</div>}
      {deleted ? null : !job ? (
        !followed.error && <p className="empty">Loading…</p>
      ) : (
        <JobBody job={job} followed={followed} />
      )}
    </section>
  );
}

function JobBody({ job, followed }: { job: JobSnapshot; followed: JobStream }) {
  const { runAgain } = useActions();
  const offline = useOffline();
  const { cancel, busy, error, showForce } = useCancel(job);
  const resuming = useResume(job);
  const deleting = useDelete(job);
  const resume = resumeLabel(job, useResumedAs(job));
  const active = isActive(job.state);
  const stale = offline && active;
  const actionError = error ?? resuming.error ?? deleting.error;
  return (
    <>
      <div className="details-actions">
        {resume && (
          <button
            type="button"
            className="primary"
            disabled={resuming.busy || offline}
            onClick={resuming.resume}
            title="A new job with the same input that skips the items that succeeded"
          >
            {resuming.busy ? `${resume}…` : resume}
          </button>
        )}
        {active && job.state !== 'cancelling' && (
          <button type="button" disabled={busy || offline} onClick={() => cancel(false)}>
            Cancel
          </button>
        )}
        {showForce && (
          <button type="button" className="danger" disabled={busy || offline} onClick={() => cancel(true)}>
            Force stop
          </button>
        )}
        <button type="button" disabled={offline} onClick={() => runAgain(job)}>
          Run again
        </button>
        {!active && (
          <button
            type="button"
            className="danger"
            data-testid="details-delete"
            disabled={deleting.busy || offline}
            onClick={deleting.remove}
            title="Delete this job and all it recorded"
          >
            Delete
          </button>
        )}
      </div>
      {actionError && (
        <div className="error" role="alert" data-testid="action-error">
          {actionError}
        </div>
      )}
      <Lineage job={job} />
      <OutcomeBar job={job} stale={stale} />
      {job.startedAt !== null && <ThroughputChart throughput={followed.throughput} unit={job.unit} />}
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <span className={stale ? 'state state-unknown' : stateClass(job.state)} data-testid="details-state">
            {stale ? `${stateLabel(job.state)} when last seen` : stateLabel(job.state)}
          </span>
        </dd>
        <dt>Progress</dt>
        <dd data-testid="details-count">{formatJobCount(job)}</dd>
        {active && !stale && (
          <>
            <dt>Rate</dt>
            <dd data-testid="details-rate">{formatRate(job.progress.rate, job.unit)}</dd>
            <dt>Time left</dt>
            <dd>{formatDuration(job.progress.eta)}</dd>
          </>
        )}
        <dt>Started</dt>
        <dd>{formatTime(job.startedAt)}</dd>
        <dt>Took</dt>
        <dd>{took(job)}</dd>
        <dt>Id</dt>
        <dd className="mono">{job.id}</dd>
      </dl>
      {job.error && <div className="error">{job.error.message}</div>}
      {/* What went wrong first: a failed job's reader has come for its failures, not its input. */}
      {job.startedAt !== null && (
        <Timeline jobId={job.id} changes={followed.changes} lastAt={active ? followed.lastAt : null} />
      )}
      {followed.loaded ? (
        <FailedItems failures={followed.failures} failed={job.items.failed} />
      ) : (
        <p className="empty">Loading…</p>
      )}
      {job.startedAt !== null && <ItemsTable job={job} changes={followed.changes} />}
      <h3>Input</h3>
      <pre className="json">{JSON.stringify(job.input, null, 2)}</pre>
      {job.summary !== null && job.summary !== undefined && (
        <>
          <h3>Summary</h3>
          <pre className="json" data-testid="summary">
            {JSON.stringify(job.summary, null, 2)}
          </pre>
        </>
      )}
      {followed.loaded && <LogTail logs={followed.logs} />}
    </>
  );
}
