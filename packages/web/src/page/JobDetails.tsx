// One job, to look at rather than read: a bar split by outcome, rate and ETA,
// the failed items as a table, and the tail of its log; what can be done with
// it (cancel, retry what failed or resume, run again). Details are read once
// on open; after that the job's own event stream adds failures and log lines
// as they happen (no polling).
import {
  backoffMs,
  type ItemEvent,
  isActive,
  isFinal,
  type JobDetails,
  type JobEvent,
  type JobSnapshot,
  type LogEvent,
} from '@threadline/core/client';
import { useEffect, useRef, useState } from 'react';
import { resumeLabel, useActions, useCancel, useDelete, useResume } from './actions';
import { client, messageOf } from './api';
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
import { Lineage } from './Lineage';
import { LogTail } from './LogTail';
import { OutcomeBar } from './OutcomeBar';
import { jobs, useDeleted, useOffline, useResumedAs } from './store';
import { ThroughputChart } from './ThroughputChart';

/** Log lines kept and shown: the tail. */
const LOG_TAIL = 200;

interface Followed {
  job: JobSnapshot | undefined;
  failures: ItemEvent[];
  logs: LogEvent[];
  loaded: boolean;
  error: string | undefined;
}

/** Adds what `extra` has that `list` lacks (by seq), in seq order, keeping the last `max`. */
function mergeBySeq<T extends { seq: number }>(list: T[], extra: T[], max = Number.POSITIVE_INFINITY): T[] {
  if (extra.length === 0) return list;
  const seen = new Set(list.map((e) => e.seq));
  const fresh = extra.filter((e) => !seen.has(e.seq));
  if (fresh.length === 0) return list;
  const merged = [...list, ...fresh].sort((a, b) => a.seq - b.seq);
  return merged.length > max ? merged.slice(-max) : merged;
}

/**
 * Details once, then the job's events. Exact without a cursor: the stream is
 * open (its first event has arrived) before the second read of the details, so
 * every failure and log line is in that read, in the stream, or in both
 * (merged by seq).
 */
function useFollowedJob(id: string, final: boolean): Followed {
  const [state, setState] = useState<Followed>({
    job: undefined,
    failures: [],
    logs: [],
    loaded: false,
    error: undefined,
  });
  useEffect(() => {
    const stop = new AbortController();
    // A job that is gone or over has nothing more to say: stop following it.
    const over = new AbortController();
    const listening = AbortSignal.any([stop.signal, over.signal]);
    const read = async () => {
      try {
        const details: JobDetails | undefined = await client.details(id);
        if (stop.signal.aborted) return;
        if (!details) {
          over.abort();
          setState((s) => ({ ...s, loaded: true, error: `There is no job ${id}.` }));
          return;
        }
        if (isFinal(details.job.state)) over.abort();
        jobs.put([details.job]);
        setState((s) => ({
          job: details.job,
          failures: mergeBySeq(s.failures, details.failures),
          logs: mergeBySeq(s.logs, details.logs, LOG_TAIL),
          loaded: true,
          error: undefined,
        }));
      } catch (e) {
        if (!stop.signal.aborted) setState((s) => ({ ...s, loaded: true, error: messageOf(e) }));
      }
    };
    void read();
    if (final) return () => stop.abort();

    const follow = async () => {
      for (let attempt = 0; !listening.aborted; attempt++) {
        let first = true;
        try {
          for await (const event of client.events({ jobId: id, signal: listening })) {
            if (first) {
              first = false;
              attempt = 0;
              void read();
            }
            apply(event);
            if (event.type === 'finished') return;
          }
        } catch {
          // The page's banner says the server is away; try again after a pause.
        }
        if (listening.aborted) return;
        await new Promise((resolve) =>
          setTimeout(resolve, backoffMs(attempt, { firstMs: 500, maxMs: 5000 })),
        );
      }
    };
    const apply = (event: JobEvent) => {
      if (event.type === 'item' && event.outcome === 'failed')
        setState((s) => ({ ...s, failures: mergeBySeq(s.failures, [event]) }));
      else if (event.type === 'log') setState((s) => ({ ...s, logs: mergeBySeq(s.logs, [event], LOG_TAIL) }));
    };
    void follow();
    return () => stop.abort();
  }, [id, final]);
  return state;
}

export function JobDetailsPanel(props: {
  id: string;
  /** The job as the event stream has it now, when this page holds it. */
  live: JobSnapshot | undefined;
  onClose: () => void;
}) {
  const { id, live, onClose } = props;
  const ref = useRef<HTMLElement>(null);
  // Finished when opened: nothing more will happen to it, so no stream.
  const [finalAtOpen] = useState(() => (live ? isFinal(live.state) : false));
  const followed = useFollowedJob(id, finalAtOpen);
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

function JobBody({ job, followed }: { job: JobSnapshot; followed: Followed }) {
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
      {job.startedAt !== null && <ThroughputChart jobId={job.id} unit={job.unit} />}
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
      {followed.loaded ? <FailedItems failures={followed.failures} /> : <p className="empty">Loading…</p>}
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
