import type { JobSnapshot, JobsViewState } from '@threadline/core/client';
import { memo, useState } from 'react';
import { messageOf } from './api';
import { formatCount, formatTime, STATE_LABEL, took } from './format';
import { jobs } from './store';

export function History(props: {
  view: JobsViewState;
  selected: string | undefined;
  onToggle: (id: string) => void;
}) {
  const { view, selected, onToggle } = props;
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const more = async () => {
    setLoading(true);
    setError(undefined);
    try {
      await jobs.loadMore();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  };
  return (
    <section className="panel">
      <h2>
        History{' '}
        <span className="count">
          {view.finished.length}
          {view.finishedComplete ? '' : '+'}
        </span>
      </h2>
      {view.finished.length === 0 ? (
        <p className="empty">{view.loaded ? 'No finished jobs yet.' : 'Loading…'}</p>
      ) : (
        <table className="history" data-testid="history">
          <thead>
            <tr>
              <th>Job</th>
              <th>State</th>
              <th>Done</th>
              <th>Failed</th>
              <th>Took</th>
              <th>Finished</th>
            </tr>
          </thead>
          <tbody>
            {view.finished.map((job) => (
              <HistoryRow key={job.id} job={job} open={selected === job.id} onToggle={onToggle} />
            ))}
          </tbody>
        </table>
      )}
      {!view.finishedComplete && view.finished.length > 0 && (
        <button type="button" className="more" disabled={loading} onClick={more}>
          {loading ? 'Loading…' : 'Load older jobs'}
        </button>
      )}
      {error && <div className="error">{error}</div>}
    </section>
  );
}

const HistoryRow = memo(function HistoryRow(props: {
  job: JobSnapshot;
  open: boolean;
  onToggle: (id: string) => void;
}) {
  const { job, open, onToggle } = props;
  return (
    <tr className={open ? 'open' : ''} data-testid="history-job" data-job-id={job.id} data-state={job.state}>
      <td>
        <button type="button" className="link" onClick={() => onToggle(job.id)} aria-expanded={open}>
          {job.title}
        </button>
      </td>
      <td>
        <span className={`state ${job.state}`}>{STATE_LABEL[job.state]}</span>
      </td>
      <td>{formatCount(job.progress, job.unit)}</td>
      <td>{job.items.failed || ''}</td>
      <td>{took(job)}</td>
      <td>{formatTime(job.finishedAt)}</td>
    </tr>
  );
});
