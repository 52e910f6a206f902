// A job's items one by one: status, how long each took, on which thread, and
// why it failed; filtered by status and paged by index (the store's keyset
// pages, so page 20,000 of a million items costs what the first does).
// Numbered from 1, as everywhere else. Read again, throttled, when the job's
// events say items finished.
import type { ItemRow, ItemStatusFilter, JobSnapshot } from '@threadline/core/client';
import { type FormEvent, useState } from 'react';
import { client } from './api';
import { formatMs, NONE, threadLabel } from './format';
import { useLiveQuery } from './live-query';

const PAGE = 25;

type Filter = ItemStatusFilter | 'all';

function counts(job: JobSnapshot): Record<Filter, number | null> {
  const { total, succeeded, failed, cancelled } = job.items;
  return {
    all: total,
    succeeded,
    failed,
    cancelled,
    pending: total === null ? null : Math.max(0, total - succeeded - failed - cancelled),
  };
}

const FILTERS: Filter[] = ['all', 'succeeded', 'failed', 'cancelled', 'pending'];

function took(item: ItemRow): string {
  if (item.ms === null) return NONE;
  return `${item.approximate ? '≈ ' : ''}${formatMs(item.ms)}`;
}

export function ItemsTable({ job, changes }: { job: JobSnapshot; changes: number }) {
  const [filter, setFilter] = useState<Filter>('all');
  // The cursors of the pages before this one: Previous pops one.
  const [trail, setTrail] = useState<(string | undefined)[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [goTo, setGoTo] = useState('');
  const read = useLiveQuery(
    () =>
      client.items!(job.id, {
        limit: PAGE,
        ...(filter !== 'all' ? { status: filter } : {}),
        ...(cursor !== undefined ? { cursor } : {}),
      }),
    `${job.id}|${filter}|${cursor ?? ''}`,
    changes,
  );
  if (!client.items) return null;
  const n = counts(job);
  const page = read.data;

  const choose = (next: Filter) => {
    setFilter(next);
    setTrail([]);
    setCursor(undefined);
  };
  const jump = (event: FormEvent) => {
    event.preventDefault();
    const number = Number(goTo);
    if (!Number.isInteger(number) || number < 1) return;
    setTrail([...trail, cursor]);
    setCursor(String(number - 1));
  };
  const first = page?.items[0];
  const last = page?.items[page.items.length - 1];

  return (
    <section className="items" data-testid="items">
      <h3>Items</h3>
      <div className="state-tabs item-tabs" role="tablist" aria-label="Items by status">
        {FILTERS.map((f) => (
          <button
            key={f}
            type="button"
            role="tab"
            aria-selected={f === filter}
            className={`tab${f === filter ? ' chosen' : ''}${n[f] === 0 ? ' zero' : ''}`}
            data-testid={`items-tab-${f}`}
            onClick={() => choose(f)}
          >
            {f} {n[f] !== null && <span className="tab-count">{n[f]!.toLocaleString('en')}</span>}
          </button>
        ))}
      </div>
      {read.error && (
        <div className="error" role="alert">
          {read.error}
        </div>
      )}
      {page && page.items.length === 0 ? (
        <p className="empty">{cursor === undefined ? 'None.' : 'No more items.'}</p>
      ) : (
        <div className={`table-wrap${read.loading ? ' loading' : ''}`}>
          <table className="failures item-table" data-testid="items-table">
            <thead>
              <tr>
                <th className="num">#</th>
                <th>Status</th>
                <th className="num">Took</th>
                <th>Thread</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {(page?.items ?? []).map((item) => (
                <tr key={item.index} data-testid="item-row" data-index={item.index}>
                  <td className="num">{(item.index + 1).toLocaleString('en')}</td>
                  <td>
                    <span className={`item-status ${item.status}`}>{item.status}</span>
                  </td>
                  <td
                    className="num"
                    title={item.approximate ? 'the mean of the batch it ran in' : undefined}
                  >
                    {took(item)}
                  </td>
                  <td className="thread">{item.thread === null ? NONE : threadLabel(item.thread)}</td>
                  <td className="item-error">
                    {item.error ?? (item.label && item.status !== 'succeeded' ? item.label : '')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="pager">
        <button
          type="button"
          disabled={trail.length === 0 && cursor === undefined}
          onClick={() => {
            setCursor(trail[trail.length - 1]);
            setTrail(trail.slice(0, -1));
          }}
        >
          Previous
        </button>
        <span className="pager-range" data-testid="items-range">
          {first && last
            ? `${(first.index + 1).toLocaleString('en')}–${(last.index + 1).toLocaleString('en')}`
            : ''}
        </span>
        <button
          type="button"
          disabled={!page?.next}
          data-testid="items-next"
          onClick={() => {
            setTrail([...trail, cursor]);
            setCursor(page!.next!);
          }}
        >
          Next
        </button>
        <form className="pager-go" onSubmit={jump}>
          <input
            type="number"
            min={1}
            inputMode="numeric"
            placeholder="item #"
            aria-label="Go to item number"
            value={goTo}
            onChange={(e) => setGoTo(e.target.value)}
          />
          <button type="submit">Go</button>
        </form>
      </div>
    </section>
  );
}
