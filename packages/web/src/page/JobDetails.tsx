import type { JobDetails, JobSnapshot } from '@threadline/core/client';
import { useEffect, useRef, useState } from 'react';
import { client, messageOf } from './api';
import { formatCount, formatTime, STATE_LABEL, took } from './format';

/** Details refetch at most this often while their job changes. */
const REFRESH_MS = 1000;

export function JobDetailsPanel(props: {
  id: string;
  /** The job as the event stream has it now, when this page holds it. */
  live: JobSnapshot | undefined;
  version: number;
  onClose: () => void;
}) {
  const { id, live, version, onClose } = props;
  const [details, setDetails] = useState<JobDetails | undefined>();
  const [error, setError] = useState<string | undefined>();
  const last = useRef(0);
  const pending = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);

  // Mounted per job (keyed by id): a timer still pending when it closes must not fire.
  useEffect(
    () => () => {
      clearTimeout(pending.current);
      pending.current = undefined;
    },
    [],
  );

  // Throttled, not debounced: a job that changes every frame still gets its details refreshed each second.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the trigger: any change may concern this job.
  useEffect(() => {
    if (pending.current !== undefined) return;
    pending.current = setTimeout(
      () => {
        pending.current = undefined;
        last.current = Date.now();
        client
          .details(id)
          .then((d) => {
            if (!d) throw new Error(`no job with id ${id}`);
            setDetails(d);
            setError(undefined);
          })
          .catch((e: unknown) => setError(messageOf(e)));
      },
      Math.max(0, last.current + REFRESH_MS - Date.now()),
    );
  }, [id, version]);

  const job = live ?? details?.job;
  return (
    <section className="panel details" data-testid="details">
      <header className="details-head">
        <h2>{job ? job.title : 'Job'}</h2>
        <button type="button" className="link" onClick={onClose} aria-label="Close details">
          ✕
        </button>
      </header>
      {error && <div className="error">{error}</div>}
      {!job ? (
        !error && <p className="empty">Loading…</p>
      ) : (
        <>
          <dl className="facts">
            <dt>State</dt>
            <dd>
              <span className={`state ${job.state}`}>{STATE_LABEL[job.state]}</span>
            </dd>
            <dt>Progress</dt>
            <dd>{formatCount(job.progress, job.unit)}</dd>
            <dt>Items</dt>
            <dd>
              {job.items.succeeded} ok, {job.items.failed} failed, {job.items.cancelled} cancelled
              {job.items.total !== null ? ` of ${job.items.total}` : ''}
            </dd>
            <dt>Started</dt>
            <dd>{formatTime(job.startedAt)}</dd>
            <dt>Took</dt>
            <dd>{took(job)}</dd>
            <dt>Id</dt>
            <dd className="mono">{job.id}</dd>
          </dl>
          {job.error && <div className="error">{job.error.message}</div>}
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
          {details ? <ItemsAndLogs details={details} /> : <p className="empty">Loading…</p>}
        </>
      )}
    </section>
  );
}

function ItemsAndLogs({ details }: { details: JobDetails }) {
  return (
    <>
      <h3>
        Failed items {details.failures.length > 0 && <span className="count">{details.failures.length}</span>}
      </h3>
      {details.failures.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <ul className="failures">
          {details.failures.map((item) => (
            <li key={item.seq}>
              <span className="label">{item.label ?? `#${item.index + 1}`}</span>
              {item.error?.message ?? 'failed'}
            </li>
          ))}
        </ul>
      )}
      <h3>Logs</h3>
      {details.logs.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <ul className="logs">
          {details.logs.map((log) => (
            <li key={log.seq} className={log.level}>
              <span className="time">{new Date(log.at).toLocaleTimeString()}</span>
              <span className="level">{log.level}</span> {log.message}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
