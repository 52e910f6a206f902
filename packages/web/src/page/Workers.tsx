// Who runs items now: each engine thread, or each BullMQ worker process, with
// what it runs (a job's item, or a chunk of its items) and, on a deployment,
// the items queue's depth. Read again as the jobs view's events arrive (items
// start and end only while jobs run), at most once a second; and every 15 s
// while the tab is visible, for what no event tells: a worker joining or leaving.
import type { RunningWork, WorkerStatus, WorkersView } from '@threadline/core/client';
import { useEffect, useState } from 'react';
import { client, messageOf } from './api';
import { JobLink } from './JobLink';
import { jobs } from './store';

const THROTTLE_MS = 1000;
const POLL_MS = 15_000;

function useWorkers(): { view: WorkersView | undefined; error: string | undefined } {
  const [view, setView] = useState<WorkersView | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    if (!client.workers) return;
    const read = client.workers.bind(client);
    let stopped = false;
    let inFlight = false;
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async () => {
      timer = undefined;
      if (inFlight || stopped) return;
      inFlight = true;
      last = Date.now();
      try {
        const next = await read();
        if (!stopped) {
          setView(next);
          setError(undefined);
        }
      } catch (e) {
        if (!stopped) setError(messageOf(e));
      } finally {
        inFlight = false;
      }
    };
    /** At most one read a second, the last change always read (trailing). */
    const soon = () => {
      if (timer !== undefined || document.visibilityState !== 'visible') return;
      timer = setTimeout(refresh, Math.max(0, last + THROTTLE_MS - Date.now()));
    };
    // Only while something runs do its events move a worker; an idle page sends nothing per event.
    let wasBusy = true;
    const onJobs = () => {
      const state = jobs.getSnapshot();
      if (state.connection !== 'live') return;
      const busy = state.active.some((job) => job.state === 'running' || job.state === 'cancelling');
      if (busy || wasBusy) soon();
      wasBusy = busy;
    };
    const unsubscribe = jobs.subscribe(onJobs);
    const poll = setInterval(() => {
      if (document.visibilityState === 'visible') void refresh();
    }, POLL_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') soon();
    };
    document.addEventListener('visibilitychange', onVisible);
    void refresh();
    return () => {
      stopped = true;
      unsubscribe();
      clearInterval(poll);
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);
  return { view, error };
}

const plural = (n: number, one: string) => `${n.toLocaleString()} ${one}${n === 1 ? '' : 's'}`;

export function Workers() {
  const { view, error } = useWorkers();
  if (!view && !error) return null;
  const workers = view?.workers ?? [];
  const busy = workers.reduce((sum, w) => sum + w.running.length, 0);
  const threads = workers.reduce((sum, w) => sum + w.threads, 0);
  return (
    <section className="panel workers-panel" data-testid="workers-panel">
      <header className="panel-head">
        <h2>
          Workers <span className="count">{workers.length}</span>
        </h2>
        {view && (
          <span className="count" data-testid="workers-summary">
            {view.queue
              ? `${busy} of ${threads} threads busy · queue: ${view.queue.waiting} waiting, ${view.queue.active} active, ${view.queue.delayed} delayed`
              : `${busy} of ${threads} busy`}
          </span>
        )}
      </header>
      {view && workers.length === 0 && (
        <p className="empty">No worker is connected: start one with `threadline worker --redis …`.</p>
      )}
      {workers.length > 0 && (
        <ul
          className="worker-list"
          data-testid="workers"
          style={{ listStyle: 'none', margin: 0, padding: 0 }}
        >
          {workers.map((worker) => (
            <WorkerRow key={worker.id} worker={worker} />
          ))}
        </ul>
      )}
      {error && <div className="error">Cannot list the workers: {error}</div>}
    </section>
  );
}

function WorkerRow({ worker }: { worker: WorkerStatus }) {
  const name = worker.kind === 'thread' ? worker.id.replace('thread-', 'Thread ') : worker.host;
  const about =
    worker.kind === 'process'
      ? `pid ${worker.pid} · ${plural(worker.threads, 'thread')}`
      : worker.itemsDone !== null
        ? `${plural(worker.itemsDone, 'item')} done`
        : '';
  return (
    <li
      data-testid="worker"
      data-worker={worker.id}
      style={{
        display: 'flex',
        flexWrap: 'wrap',
        gap: '4px 12px',
        alignItems: 'baseline',
        padding: '6px 0',
        borderTop: '1px solid var(--line)',
        minWidth: 0,
      }}
    >
      <strong title={worker.id} style={{ minWidth: '6em' }}>
        {name}
      </strong>
      <span className="count" style={{ minWidth: '8em' }}>
        {about}
      </span>
      <span style={{ flex: '1 1 14em', minWidth: 0, overflowWrap: 'anywhere' }}>
        {worker.running.length === 0 ? (
          <span className="empty" data-testid="worker-idle">
            idle
          </span>
        ) : (
          worker.running.map((work) => <Running key={`${work.jobId}:${work.first}`} work={work} />)
        )}
      </span>
    </li>
  );
}

/** The item a thread runs (`item 12`), or a chunk of items with how far it got (`items 33–64, 12 done`). */
function Running({ work }: { work: RunningWork }) {
  const what =
    work.index !== null
      ? `item ${work.index + 1}${work.items > 1 ? ` (${work.done} of a batch of ${work.items} done)` : ''}`
      : work.items === 1
        ? `item ${work.first + 1}`
        : `items ${work.first + 1}–${work.first + work.items}, ${work.done} done`;
  return (
    <span data-testid="worker-running" style={{ display: 'block' }}>
      {work.name} · {what} · <JobLink id={work.jobId} withState={false} />
    </span>
  );
}
