// Every job in the server's history, to find one: tabs by state with their
// counts, a job-name filter, text over id, title and input, a creation date
// range, and pages of older jobs, all answered by the server (client.find) and
// kept in the address. Finished jobs can be deleted, one or all at once.
import { isActive, isFinal, JOB_STATES, type JobSnapshot, type JobsViewState } from '@threadline/core/client';
import { memo, useMemo, useState } from 'react';
import { resumeLabel, useActions, useCancel, useDelete, useResume } from './actions';
import { ClearFinished } from './ClearFinished';
import { type Filters, queryOf, useFilters } from './filters';
import { useFind } from './find';
import { formatJobCount, formatTime, stateClass, stateLabel, took } from './format';
import { Lineage } from './Lineage';
import { jobs, useOffline, useResumedAs } from './store';

type StateFilter = Filters['state'];

export function History(props: { view: JobsViewState; selected: string | undefined; names: string[] }) {
  const { view, selected } = props;
  const [filters, change] = useFilters();
  const query = useMemo(() => queryOf(filters), [filters]);
  const found = useFind(query, view);
  // The search box answers each key at once; the address and the server follow it.
  const [typed, setTyped] = useState<{ q: string; from: string } | undefined>();
  const text = typed && typed.from === filters.q ? typed.q : filters.q;
  const names = useMemo(
    () => [...new Set([...props.names, ...(filters.name ? [filters.name] : [])])].sort(),
    [props.names, filters.name],
  );
  const counts = found.counts;
  // A text in very many jobs is counted up to a limit: each count is then at least what it says.
  const count = (n: number | undefined) => (n === undefined ? '…' : found.countLimit ? `${n}+` : n);
  const total = counts ? JOB_STATES.reduce((sum, s) => sum + counts[s], 0) : undefined;
  const finished = counts ? JOB_STATES.filter(isFinal).reduce((sum, s) => sum + counts[s], 0) : 0;
  // A row shows the live job when the view holds it: its progress moves between reads.
  const shown = found.jobs.map((job) => jobs.get(job.id) ?? job);
  const filtered = query.name !== undefined || query.text !== undefined || filters.from || filters.to;

  return (
    <section className="panel history-panel" data-testid="jobs-panel">
      <header className="panel-head">
        <h2>
          Jobs{' '}
          <span className="count" title="jobs in the history that match the filters" data-testid="jobs-total">
            {count(total)}
          </span>
        </h2>
        <ClearFinished finished={filtered ? undefined : finished} onCleared={found.refresh} />
      </header>
      <div className="state-tabs" role="tablist" aria-label="Filter by state">
        {(['all', ...JOB_STATES] as StateFilter[]).map((s) => {
          const n = counts === undefined ? undefined : s === 'all' ? total : counts[s];
          return (
            <button
              key={s}
              type="button"
              role="tab"
              aria-selected={filters.state === s}
              className={`tab${filters.state === s ? ' chosen' : ''}${n === 0 ? ' zero' : ''}`}
              data-testid={`tab-${s}`}
              onClick={() => change({ state: s })}
            >
              {s === 'all' ? 'all' : stateLabel(s)} <span className="tab-count">{count(n)}</span>
            </button>
          );
        })}
      </div>
      <div className="filters">
        <select
          aria-label="Filter by job"
          data-testid="filter-name"
          value={filters.name}
          onChange={(event) => change({ name: event.target.value })}
        >
          <option value="">every job</option>
          {names.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <input
          type="search"
          placeholder="Search id, title or input"
          aria-label="Search id, title or input"
          data-testid="filter-text"
          value={text}
          onChange={(event) => {
            const q = event.target.value;
            setTyped({ q, from: q });
            change({ q }, { replace: true });
          }}
        />
        <span className="dates">
          <label className="dates-range">
            <span>From</span>
            <input
              type="date"
              data-testid="filter-from"
              value={filters.from}
              max={filters.to || undefined}
              onChange={(event) => change({ from: event.target.value })}
            />
          </label>
          <label className="dates-range">
            <span>to</span>
            <input
              type="date"
              data-testid="filter-to"
              value={filters.to}
              min={filters.from || undefined}
              onChange={(event) => change({ to: event.target.value })}
            />
          </label>
        </span>
      </div>
      {shown.length === 0 ? (
        <p className="empty">
          {found.loading ? 'Loading…' : total === 0 && !filtered ? 'No jobs yet.' : 'No job matches.'}
        </p>
      ) : (
        <div className={`table-wrap${found.loading ? ' loading' : ''}`}>
          <table className="history" data-testid="history">
            <thead>
              <tr>
                <th>Job</th>
                <th>State</th>
                <th>Items</th>
                <th className="wide">Took</th>
                <th className="wide">Finished</th>
                <th>
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {shown.map((job) => (
                <HistoryRow key={job.id} job={job} open={selected === job.id} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {found.next !== null && shown.length > 0 && (
        <button type="button" className="more" disabled={found.loading} onClick={found.more}>
          {found.loading ? 'Loading…' : 'Load older jobs'}
        </button>
      )}
      {found.error && <div className="error">{found.error}</div>}
    </section>
  );
}

const HistoryRow = memo(function HistoryRow(props: { job: JobSnapshot; open: boolean }) {
  const { job, open } = props;
  const { toggle, runAgain } = useActions();
  const offline = useOffline();
  const cancelling = useCancel(job);
  const resuming = useResume(job);
  const deleting = useDelete(job);
  const resume = resumeLabel(job, useResumedAs(job));
  const active = isActive(job.state);
  const error = cancelling.error ?? resuming.error ?? deleting.error;
  return (
    <tr
      className={`${open ? 'open' : ''}${offline && active ? ' stale' : ''}`}
      data-testid="history-job"
      data-job-id={job.id}
      data-state={job.state}
    >
      <td>
        <button type="button" className="link" onClick={() => toggle(job.id)} aria-expanded={open}>
          {job.title}
        </button>
        <div className="job-name">{job.name}</div>
        <Lineage job={job} compact />
        {error && (
          <div className="error" role="alert">
            {error}
          </div>
        )}
      </td>
      <td>
        {offline && active ? (
          <span className="state state-unknown">unknown</span>
        ) : (
          <span className={stateClass(job.state)}>{stateLabel(job.state)}</span>
        )}
      </td>
      <td data-testid="count">{formatJobCount(job)}</td>
      <td className="wide">{took(job)}</td>
      <td className="wide">{formatTime(job.finishedAt)}</td>
      <td className="row-actions">
        {active ? (
          job.state !== 'cancelling' && (
            <button
              type="button"
              disabled={cancelling.busy || offline}
              onClick={() => cancelling.cancel(false)}
            >
              Cancel
            </button>
          )
        ) : (
          <>
            {resume && (
              <button type="button" disabled={resuming.busy || offline} onClick={resuming.resume}>
                {resume}
              </button>
            )}
            <button type="button" disabled={offline} onClick={() => runAgain(job)}>
              Run again
            </button>
            <button
              type="button"
              className="danger"
              data-testid="delete-job"
              aria-label={`Delete ${job.title} ${job.id}`}
              title="Delete this job and all it recorded"
              disabled={deleting.busy || offline}
              onClick={deleting.remove}
            >
              Delete
            </button>
          </>
        )}
      </td>
    </tr>
  );
});
