import type { JobDetails } from '@threadline/core';
import { useEffect, useRef, useState } from 'react';
import { getDetails, messageOf } from './api';
import { elapsed, formatCount, formatDuration, formatTime, STATE_LABEL } from './format';

/** Details refetch at most this often while their job changes. */
const REFRESH_MS = 1000;

export function JobDetailsPanel(props: { id: string; version: number; onClose: () => void }) {
  const { id, version, onClose } = props;
  const [details, setDetails] = useState<JobDetails | undefined>();
  const [error, setError] = useState<string | undefined>();
  const last = useRef(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new id starts from nothing.
  useEffect(() => {
    setDetails(undefined);
    last.current = 0;
  }, [id]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is the trigger: any change may concern this job.
  useEffect(() => {
    let live = true;
    const wait = Math.max(0, last.current + REFRESH_MS - Date.now());
    const timer = setTimeout(() => {
      last.current = Date.now();
      getDetails(id)
        .then((d) => {
          if (!live) return;
          setDetails(d);
          setError(undefined);
        })
        .catch((e: unknown) => live && setError(messageOf(e)));
    }, wait);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, version]);

  const job = details?.job;
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
            <dd>{formatCount(job)}</dd>
            <dt>Items</dt>
            <dd>
              {job.items.succeeded} ok, {job.items.failed} failed, {job.items.cancelled} cancelled
              {job.items.total !== null ? ` of ${job.items.total}` : ''}
            </dd>
            <dt>Started</dt>
            <dd>{formatTime(job.startedAt)}</dd>
            <dt>Took</dt>
            <dd>{formatDuration(elapsed(job))}</dd>
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
          <h3>
            Failed items{' '}
            {details.failures.length > 0 && <span className="count">{details.failures.length}</span>}
          </h3>
          {details.failures.length === 0 ? (
            <p className="empty">None.</p>
          ) : (
            <ul className="failures">
              {details.failures.map((item) => (
                <li key={item.seq}>
                  <span className="mono">{item.label ?? `#${item.index + 1}`}</span>{' '}
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
      )}
    </section>
  );
}
