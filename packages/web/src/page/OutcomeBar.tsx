// A job's items as one bar, split by outcome, with a legend that counts each.
import {
  barFraction,
  formatItemCounts,
  formatPercent,
  isFinal,
  type JobSnapshot,
} from '@threadline/core/client';

/** The items as one bar: succeeded, failed and cancelled in their colours, the rest still to do. */
export function OutcomeBar({ job, stale }: { job: JobSnapshot; stale: boolean }) {
  const { succeeded, failed, cancelled } = job.items;
  const total = job.items.total ?? (isFinal(job.state) ? succeeded + failed + cancelled : null);
  const share = (n: number) => (total ? Math.min(100, (n / total) * 100) : 0);
  // Only a succeeded job reads 100%: a partial or cancelled one is the share that succeeded.
  const fraction = barFraction(job);
  return (
    <div className="outcome">
      <div
        className={`outcome-bar${stale ? ' stale' : ''}`}
        role="img"
        aria-label={formatItemCounts({ ...job.items, total })}
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
          {total && fraction !== null ? ` (${formatPercent(fraction)})` : ''}
        </span>
      </div>
    </div>
  );
}
