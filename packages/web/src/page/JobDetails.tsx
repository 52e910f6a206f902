// One job, to look at rather than read: a bar split by outcome, rate and ETA,
// the failed items as a table, and the tail of its log. Details are read once
// on open; after that the job's own event stream adds failures and log lines
// as they happen (no polling).
import {
  type ItemEvent,
  isActive,
  isFinal,
  type JobDetails,
  type JobEvent,
  type JobSnapshot,
  type LogEvent,
} from '@threadline/core/client';
import { useEffect, useRef, useState } from 'react';
import { useActions, useCancel } from './actions';
import { client, messageOf } from './api';
import {
  formatCount,
  formatDuration,
  formatPercent,
  formatRate,
  formatTime,
  stateClass,
  stateLabel,
  took,
} from './format';
import { jobs, useOffline } from './store';

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
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 5000)));
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
      {followed.error && <div className="error">{followed.error}</div>}
      {!job ? (
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
  const active = isActive(job.state);
  const stale = offline && active;
  return (
    <>
      <div className="details-actions">
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
      </div>
      {error && <div className="error">{error}</div>}
      <OutcomeBar job={job} stale={stale} />
      <dl className="facts">
        <dt>State</dt>
        <dd>
          <span className={stale ? 'state state-unknown' : stateClass(job.state)} data-testid="details-state">
            {stale ? `${stateLabel(job.state)} when last seen` : stateLabel(job.state)}
          </span>
        </dd>
        <dt>Progress</dt>
        <dd>{formatCount(job.progress, job.unit)}</dd>
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
      {followed.loaded ? <ItemsAndLogs followed={followed} /> : <p className="empty">Loading…</p>}
    </>
  );
}

/** The items as one bar: succeeded, failed and cancelled in their colours, the rest still to do. */
function OutcomeBar({ job, stale }: { job: JobSnapshot; stale: boolean }) {
  const { succeeded, failed, cancelled } = job.items;
  const ran = succeeded + failed + cancelled;
  const total = job.items.total ?? (isFinal(job.state) ? ran : null);
  const share = (n: number) => (total ? Math.min(100, (n / total) * 100) : 0);
  return (
    <div className="outcome">
      <div
        className={`outcome-bar${stale ? ' stale' : ''}`}
        role="img"
        aria-label={`${succeeded} succeeded, ${failed} failed, ${cancelled} cancelled${total !== null ? ` of ${total}` : ''}`}
        data-testid="outcome-bar"
      >
        <span className="seg ok" style={{ width: `${share(succeeded)}%` }} />
        <span className="seg bad" style={{ width: `${share(failed)}%` }} />
        <span className="seg off" style={{ width: `${share(cancelled)}%` }} />
      </div>
      <div className="outcome-legend">
        <span className="ok">{succeeded} succeeded</span>
        <span className="bad">{failed} failed</span>
        <span className="off">{cancelled} cancelled</span>
        <span>
          {total === null ? 'total not known yet' : `of ${total}`}
          {total ? ` (${formatPercent(ran / total)})` : ''}
        </span>
      </div>
    </div>
  );
}

function ItemsAndLogs({ followed }: { followed: Followed }) {
  const { failures, logs } = followed;
  const tail = useRef<HTMLOListElement>(null);
  // A tail follows its end, unless the reader has scrolled up to read.
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new line is the trigger.
  useEffect(() => {
    const list = tail.current;
    if (list && list.scrollHeight - list.scrollTop - list.clientHeight < 60)
      list.scrollTop = list.scrollHeight;
  }, [logs.length]);
  return (
    <>
      <h3>Failed items {failures.length > 0 && <span className="count">{failures.length}</span>}</h3>
      {failures.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <div className="table-wrap failures-wrap">
          <table className="failures" data-testid="failures">
            <thead>
              <tr>
                <th>Item</th>
                <th>Error</th>
                <th>Took</th>
              </tr>
            </thead>
            <tbody>
              {failures.map((item) => (
                <tr key={item.seq}>
                  <td className="label">{item.label ?? `#${item.index + 1}`}</td>
                  <td>{item.error?.message ?? 'failed'}</td>
                  <td className="num">{Math.round(item.ms)} ms</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Log {logs.length > 0 && <span className="count">last {logs.length}</span>}</h3>
      {logs.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <ol className="logs" ref={tail} data-testid="logs">
          {logs.map((log) => (
            <li key={log.seq} className={log.level}>
              <span className="time">{new Date(log.at).toLocaleTimeString()}</span>
              <span className="level">{log.level}</span> {log.message}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
