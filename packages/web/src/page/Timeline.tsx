// Which thread ran which of a job's items, when: a lane per worker thread,
// a span per batch coloured by its outcome. A straggler is a long span alone
// in its lane while the others sit idle; a thread that ran nothing is an empty
// lane. Read again when the job's events say items finished (no polling); a
// span still running reaches to the latest event. Pointing at (or tapping) a
// span says what it ran, in the line above the lanes.
import type { Timeline as TimelineData, TimelineSpan } from '@threadline/core/client';
import { useState } from 'react';
import { client } from './api';
import { formatMs, threadLabel } from './format';
import { useLiveQuery } from './live-query';

const WIDTH = 1000;
/** Narrower spans are drawn this wide: a batch of 1 ms on a 10-minute run is still seen. */
const MIN_WIDTH = 3;

function outcomeClass(span: TimelineSpan): string {
  if (span.end === null) return 'running';
  if (span.failed === span.items) return 'bad';
  if (span.cancelled === span.items) return 'off';
  if (span.failed + span.cancelled > 0) return 'mixed';
  return 'ok';
}

const itemsText = (span: TimelineSpan): string =>
  span.items === 1 ? `item ${span.first + 1}` : `${span.items} items (${span.first + 1}–${span.last + 1})`;

function spanText(span: TimelineSpan, now: number): string {
  const ms = (span.end ?? now) - span.start;
  const counts = [
    span.succeeded ? `${span.succeeded} succeeded` : '',
    span.failed ? `${span.failed} failed` : '',
    span.cancelled ? `${span.cancelled} cancelled` : '',
  ].filter(Boolean);
  const outcome = span.end === null ? 'running' : counts.join(', ');
  return `${threadLabel(span.thread)}: ${itemsText(span)}, ${formatMs(ms)}${outcome ? `, ${outcome}` : ''}`;
}

const median = (values: number[]): number => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export function Timeline({
  jobId,
  changes,
  lastAt,
}: {
  jobId: string;
  changes: number;
  /** The latest event's time: where a span still running ends for now. */
  lastAt: number | null;
}) {
  const read = useLiveQuery(
    async () => ({ timeline: await client.timeline!(jobId), at: Date.now() }),
    jobId,
    changes,
  );
  if (!client.timeline) return null;
  if (read.error && !read.data)
    return (
      <section className="timeline" data-testid="timeline">
        <h3>Threads</h3>
        <p className="empty">{read.error}</p>
      </section>
    );
  if (!read.data) return <TimelineFrame note="Loading…" />;
  const { timeline, at } = read.data;
  return <TimelineLanes timeline={timeline} now={Math.max(at, lastAt ?? 0)} />;
}

function TimelineFrame({ note }: { note: string }) {
  return (
    <section className="timeline" data-testid="timeline">
      <h3>Threads</h3>
      <p className="empty">{note}</p>
    </section>
  );
}

function TimelineLanes({ timeline, now }: { timeline: TimelineData; now: number }) {
  const [pointed, setPointed] = useState<TimelineSpan | undefined>();
  const { spans } = timeline;
  if (spans.length === 0) return <TimelineFrame note="No item has run yet." />;
  // From its first item: before it, the threads were loading the job's module, not running items.
  const from = Math.min(...spans.map((s) => s.start));
  const to = Math.max(timeline.finishedAt ?? 0, now, ...spans.map((s) => s.end ?? now));
  const length = Math.max(1, to - from);
  const x = (t: number) => ((t - from) / length) * WIDTH;
  const lengthOf = (span: TimelineSpan) => (span.end ?? now) - span.start;
  // A straggler: far longer than the job's usual span, and long enough to matter on the run.
  const usual = median(spans.map(lengthOf));
  const isStraggler = (span: TimelineSpan) =>
    lengthOf(span) > Math.max(4 * usual, length * 0.05) && span.items <= 2;
  const slowest = spans.reduce((a, b) => (lengthOf(b) > lengthOf(a) ? b : a));
  const lanes = Array.from({ length: timeline.threads }, (_, thread) =>
    spans.filter((span) => span.thread === thread),
  );
  return (
    <section className="timeline" data-testid="timeline">
      <h3>Threads</h3>
      <p className="timeline-note" data-testid="timeline-note">
        {pointed ? (
          spanText(pointed, now)
        ) : (
          <>
            Slowest: {itemsText(slowest)} on {threadLabel(slowest.thread)}, {formatMs(lengthOf(slowest))}
            {slowest.end === null ? ' so far' : ''}
            {timeline.merged ? ' · neighbouring batches merged' : ''}
          </>
        )}
      </p>
      <div className="lanes">
        {lanes.map((lane, thread) => {
          const busy = lane.reduce((sum, span) => sum + lengthOf(span), 0);
          const share = Math.min(100, Math.round((busy / length) * 100));
          return (
            <div
              className={`lane${lane.length === 0 ? ' idle' : ''}`}
              // biome-ignore lint/suspicious/noArrayIndexKey: a lane is its thread, and threads are numbered.
              key={thread}
              data-testid="timeline-lane"
              data-thread={thread}
            >
              <span className="lane-label">{threadLabel(thread)}</span>
              <svg
                viewBox={`0 0 ${WIDTH} 10`}
                preserveAspectRatio="none"
                role="img"
                aria-label={`${threadLabel(thread)}: ${lane.length === 0 ? 'idle' : `${lane.length} spans, ${share}% busy`}`}
              >
                {lane.map((span) => (
                  <rect
                    key={`${span.start}-${span.first}`}
                    className={`span ${outcomeClass(span)}${isStraggler(span) ? ' straggler' : ''}`}
                    x={x(span.start)}
                    width={Math.max(MIN_WIDTH, x(span.end ?? now) - x(span.start))}
                    y={isStraggler(span) ? 0 : 1.5}
                    height={isStraggler(span) ? 10 : 7}
                    data-items={span.items}
                    data-first={span.first}
                    onPointerEnter={() => setPointed(span)}
                    onPointerLeave={() => setPointed(undefined)}
                  />
                ))}
              </svg>
              <span className="lane-busy">{lane.length === 0 ? 'idle' : `${share}%`}</span>
            </div>
          );
        })}
      </div>
      <div className="timeline-axis">
        <span>0 s</span>
        <span className="timeline-legend">
          <span className="ok">succeeded</span>
          <span className="bad">failed</span>
          <span className="mixed">some failed</span>
          <span className="running">running</span>
        </span>
        <span>{formatMs(length)}</span>
      </div>
    </section>
  );
}
