import type { JobSnapshot } from '@threadline/core/client';
import { useMemo, useRef, useState } from 'react';
import { ActionsContext, type PageActions } from './actions';
import { client, messageOf } from './api';
import { History } from './History';
import { JobDetailsPanel } from './JobDetails';
import { JobRow } from './JobRow';
import { useSelectedJob } from './router';
import { Schedules } from './Schedules';
import { type Prefill, StartJob } from './StartJob';
import { StorageBanner } from './StorageBanner';
import { useJobs } from './store';
import { Workers } from './Workers';

const CONNECTION_LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' } as const;

export function App() {
  const view = useJobs();
  const [selected, select] = useSelectedJob();
  const [prefill, setPrefill] = useState<Prefill | undefined>();
  const nonce = useRef(0);
  const offline = view.connection === 'reconnecting';

  const selectedRef = useRef(selected);
  selectedRef.current = selected;
  // `select` only pushes history: the first one serves for good.
  // biome-ignore lint/correctness/useExhaustiveDependencies: see above.
  const actions = useMemo<PageActions>(
    () => ({
      toggle: (id) => select(selectedRef.current === id ? undefined : id),
      open: (id) => select(id),
      runAgain: (job) => setPrefill({ name: job.name, input: job.input, nonce: ++nonce.current }),
      close: (id) => {
        if (selectedRef.current === id) select(undefined);
      },
    }),
    [],
  );
  const names = useMemo(() => [...new Set(view.jobs.map((job) => job.name))].sort(), [view.jobs]);
  const queued = view.active.filter((job) => job.state === 'queued');

  return (
    <ActionsContext.Provider value={actions}>
      <div className={`app${offline ? ' offline' : ''}`}>
        <header className="top">
          <h1>Threadline</h1>
          <span className={`connection ${view.connection}`} data-testid="connection">
            {CONNECTION_LABEL[view.connection]}
          </span>
        </header>
        {offline && (
          <div className="banner" role="status" data-testid="disconnected">
            <strong>Disconnected — reconnecting.</strong> The server is not answering; running jobs show their
            last known state and actions wait until it is back.
          </div>
        )}
        <StorageBanner />
        <main className="layout">
          <aside className="panel start">
            <h2>Start a job</h2>
            <StartJob onStarted={(id) => select(id)} prefill={prefill} />
          </aside>
          <section className="jobs">
            <section className="panel running">
              <header className="panel-head">
                <h2>
                  Running <span className="count">{view.active.length}</span>
                </h2>
                <CancelQueued queued={queued} disabled={offline} />
              </header>
              {view.active.length === 0 ? (
                <p className="empty">
                  {view.loaded ? 'Nothing running. Start a job with the form.' : 'Loading…'}
                </p>
              ) : (
                <ul className="job-list" data-testid="active-jobs">
                  {view.active.map((job) => (
                    <JobRow key={job.id} job={job} open={selected === job.id} />
                  ))}
                </ul>
              )}
            </section>
            <Schedules />
            <Workers />
            {selected !== undefined && (
              <JobDetailsPanel
                key={selected}
                id={selected}
                live={
                  view.active.find((j) => j.id === selected) ?? view.finished.find((j) => j.id === selected)
                }
                onClose={() => select(undefined)}
              />
            )}
            <History view={view} selected={selected} names={names} />
          </section>
        </main>
      </div>
    </ActionsContext.Provider>
  );
}

/** One click for every queued job: each is cancelled; what failed is said in one line. */
function CancelQueued(props: { queued: JobSnapshot[]; disabled: boolean }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | undefined>();
  const run = async () => {
    setBusy(true);
    setResult(undefined);
    const outcomes = await Promise.allSettled(props.queued.map((job) => client.cancel(job.id)));
    const failed = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    setResult(
      failed.length === 0
        ? `Cancelled ${outcomes.length} queued.`
        : `${failed.length} of ${outcomes.length} not cancelled: ${messageOf(failed[0]!.reason)}`,
    );
    setBusy(false);
  };
  if (props.queued.length === 0 && !result) return null;
  return (
    <span className="bulk">
      {props.queued.length > 0 && (
        <button type="button" data-testid="cancel-queued" disabled={busy || props.disabled} onClick={run}>
          Cancel all queued ({props.queued.length})
        </button>
      )}
      {result && <span className="bulk-result">{result}</span>}
    </span>
  );
}
