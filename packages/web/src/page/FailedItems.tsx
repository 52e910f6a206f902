// A job's failed items as a table: which item, its error, how long it took.
// The first ones only (job-stream.ts keeps FAILURES_KEPT): the items table
// pages through every one.
import type { ItemEvent } from '@threadline/core/client';

export function FailedItems({ failures, failed }: { failures: ItemEvent[]; failed: number }) {
  const count = Math.max(failed, failures.length);
  return (
    <>
      <h3>Failed items {count > 0 && <span className="count">{count.toLocaleString('en')}</span>}</h3>
      {count > failures.length && (
        <p className="empty">
          The first {failures.length.toLocaleString('en')}: the items below page through all.
        </p>
      )}
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
    </>
  );
}
