// Every job the page holds, to find one: tabs by state with counts, a job-name
// filter, text over id, title and input, and paging into older jobs.
import {
  isActive,
  JOB_STATES,
  type JobSnapshot,
  type JobState,
  type JobsViewState,
} from '@threadline/core/client';
import { memo, useEffect, useMemo, useState } from 'react';
import { resumeLabel, useActions, useCancel, useResume } from './actions';
import { client, messageOf } from './api';
import { formatJobCount, formatTime, stateClass, stateLabel, took } from './format';
import { Lineage } from './Lineage';
import { jobs, PAGE, useOffline, useResumedAs } from './store';

type StateFilter = 'all' | JobState;

/** Whether a job matches the text box: its id, title, name or input, case-insensitively. */
function matchesText(job: JobSnapshot, text: string): boolean {
  if (text === '') return true;
  const needle = text.toLowerCase();
  if (job.id.toLowerCase().includes(needle) || job.title.toLowerCase().includes(needle)) return true;
  if (job.name.toLowerCase().includes(needle)) return true;
  return JSON.stringify(job.input ?? null)
    .toLowerCase()
    .includes(needle);
}

export function History(props: { view: JobsViewState; selected: string | undefined; names: string[] }) {
  const { view, selected } = props;
  const [state, setState] = useState<StateFilter>('all');
  const [name, setName] = useState('');
  const [text, setText] = useState('');
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  /** Filters (state|name) whose every job the server has listed. */
  const [complete, setComplete] = useState<Record<string, boolean>>({});
  const key = `${state}|${name}`;
  const serverFilter = state !== 'all' || name !== '';

  const counts = useMemo(() => {
    const byState = new Map<JobState, number>();
    for (const job of view.jobs) {
      if (name !== '' && job.name !== name) continue;
      byState.set(job.state, (byState.get(job.state) ?? 0) + 1);
    }
    return byState;
  }, [view.jobs, name]);
  const total = [...counts.values()].reduce((sum, n) => sum + n, 0);

  const shown = useMemo(
    () =>
      view.jobs.filter(
        (job) =>
          (state === 'all' || job.state === state) &&
          (name === '' || job.name === name) &&
          matchesText(job, text.trim()),
      ),
    [view.jobs, state, name, text],
  );

  /** One page of the filter's jobs from the server, older than those held; merged into the view. */
  const fetchPage = async (before: string | undefined) => {
    setLoading(true);
    setError(undefined);
    try {
      const page = await client.list({
        ...(state === 'all' ? {} : { state }),
        ...(name === '' ? {} : { name }),
        limit: PAGE,
        ...(before === undefined ? {} : { before }),
      });
      jobs.put(page);
      setComplete((done) => ({ ...done, [key]: page.length < PAGE }));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  };

  // A state or name the view holds few of: ask the server for its latest page.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new filter asks again.
  useEffect(() => {
    if (serverFilter && view.loaded && complete[key] === undefined) void fetchPage(undefined);
  }, [key, view.loaded]);

  const more = async () => {
    if (!serverFilter) {
      setLoading(true);
      setError(undefined);
      try {
        await jobs.loadMore();
      } catch (e) {
        setError(messageOf(e));
      } finally {
        setLoading(false);
      }
      return;
    }
    const oldest = view.jobs
      .filter((job) => (state === 'all' || job.state === state) && (name === '' || job.name === name))
      .reduce<JobSnapshot | undefined>(
        (old, job) => (!old || job.createdAt < old.createdAt ? job : old),
        undefined,
      );
    await fetchPage(oldest?.id);
  };
  const hasMore = serverFilter ? complete[key] === false : !view.finishedComplete;
  // A final state's count is of what the page holds; "+" says the server may have more.
  const plus = (s: StateFilter) =>
    (s === 'all' || !isActive(s)) && !view.finishedComplete && !complete[`${s}|${name}`] ? '+' : '';

  return (
    <section className="panel history-panel" data-testid="jobs-panel">
      <h2>
        Jobs{' '}
        <span className="count" title="jobs this page holds; + means the server has older ones">
          {total}
          {plus('all')}
        </span>
      </h2>
      <div className="state-tabs" role="tablist" aria-label="Filter by state">
        {(['all', ...JOB_STATES] as StateFilter[]).map((s) => {
          const n = s === 'all' ? total : (counts.get(s) ?? 0);
          return (
            <button
              key={s}
              type="button"
              role="tab"
              aria-selected={state === s}
              className={`tab${state === s ? ' chosen' : ''}${n === 0 ? ' zero' : ''}`}
              data-testid={`tab-${s}`}
              onClick={() => setState(s)}
            >
              {s === 'all' ? 'all' : stateLabel(s)}{' '}
              <span className="tab-count">
                {n}
                {plus(s)}
              </span>
            </button>
          );
        })}
      </div>
      <div className="filters">
        <select
          aria-label="Filter by job"
          data-testid="filter-name"
          value={name}
          onChange={(event) => setName(event.target.value)}
        >
          <option value="">every job</option>
          {props.names.map((n) => (
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
          onChange={(event) => setText(event.target.value)}
        />
      </div>
      {shown.length === 0 ? (
        <p className="empty">
          {!view.loaded || loading ? 'Loading…' : view.jobs.length === 0 ? 'No jobs yet.' : 'No job matches.'}
        </p>
      ) : (
        <div className="table-wrap">
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
      {hasMore && shown.length > 0 && (
        <button type="button" className="more" disabled={loading} onClick={more}>
          {loading ? 'Loading…' : 'Load older jobs'}
        </button>
      )}
      {error && <div className="error">{error}</div>}
    </section>
  );
}

const HistoryRow = memo(function HistoryRow(props: { job: JobSnapshot; open: boolean }) {
  const { job, open } = props;
  const { toggle, runAgain } = useActions();
  const offline = useOffline();
  const cancelling = useCancel(job);
  const resuming = useResume(job);
  const resume = resumeLabel(job, useResumedAs(job));
  const active = isActive(job.state);
  const error = cancelling.error ?? resuming.error;
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
          </>
        )}
      </td>
    </tr>
  );
});
