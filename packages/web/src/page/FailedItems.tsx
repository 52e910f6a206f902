// A job's failed items as a table: which item, its error, how long it took.
import type { ItemEvent } from '@threadline/core/client';

export function FailedItems({ failures }: { failures: ItemEvent[] }) {
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
    </>
  );
}
