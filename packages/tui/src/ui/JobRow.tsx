// One job as one line: marker, name, id suffix, coloured state, age, then (as the
// terminal widens) when it started, how long it took and how many items failed,
// and last its bar and its progress or outcome.
import { barFraction, formatBar, formatDuration, type JobSnapshot } from '@threadline/core/client';
import { Box } from 'ink';
import { memo } from 'react';
import { clockTime } from './details-lines.js';
import { fit, formatAge, idSuffix, jobLine, STATE_COLOR } from './format.js';
import { Text } from './Text.js';

export interface RowLayout {
  name: number;
  id: number;
  state: number;
  age: number;
  /** 0: the column is left out (too narrow). */
  started: number;
  took: number;
  failed: number;
  bar: number;
  rest: number;
}

/**
 * Column widths for a terminal `columns` wide. At 80 every row has its id suffix and age and
 * the text after the bar keeps 32 cells; STARTED comes at 100 columns, TOOK at 115, FAILED at 125.
 */
export function rowLayout(columns: number): RowLayout {
  const wide = columns >= 140;
  const name = wide ? 22 : columns >= 70 ? 14 : 12;
  const id = 4;
  // The longest state, "interrupted", whole: a shutdown leaves jobs in it, and "interrupt…" reads as a verb.
  const state = 11;
  const age = 3;
  const started = columns >= 100 ? 11 : 0;
  const took = columns >= 115 ? 6 : 0;
  const failed = columns >= 125 ? 6 : 0;
  const bar = wide ? 20 : columns >= 100 ? 12 : 8;
  // The marker (2), a space after every column, and one cell spare at the right edge.
  const used =
    2 +
    [name, id, state, age, started, took, failed, bar].reduce((sum, w) => sum + (w > 0 ? w + 1 : 0), 0) +
    1;
  return { name, id, state, age, started, took, failed, bar, rest: Math.max(0, columns - used) };
}

/** The text after the bar, without the percent when the counts, rate and ETA do not fit with it (the bar shows it). */
function restText(job: JobSnapshot, width: number, withTook: boolean): string {
  const line = jobLine(job, { took: withTook });
  const counts = line.split(' — ')[0]!;
  // Whole, or cut in its message (after " —"), but never in the counts.
  return line.length <= width || counts.length + 3 <= width ? line : line.replace(/ \(\d+(?:\.\d+)?%\)/, '');
}

export const JobRow = memo(function JobRow({
  job,
  selected,
  layout,
  now,
  stale = false,
}: {
  job: JobSnapshot;
  selected: boolean;
  layout: RowLayout;
  /** The clock the age and a running job's time are read against. */
  now: number;
  /** What the row says may be old (the server does not answer): drawn grey. */
  stale?: boolean;
}) {
  const color = stale ? 'gray' : STATE_COLOR[job.state];
  const took = job.startedAt === null ? '' : formatDuration(((job.finishedAt ?? now) - job.startedAt) / 1000);
  return (
    <Box>
      <Text color="cyan">{selected ? '▶ ' : '  '}</Text>
      <Text bold={selected} inverse={selected} dimColor={stale}>
        {fit(job.name, layout.name, true)}
      </Text>
      <Text dimColor>{` ${fit(idSuffix(job.id), layout.id, true)} `}</Text>
      <Text color={color}>{fit(job.state, layout.state, true)}</Text>
      <Text dimColor>{` ${fit(formatAge(now - job.createdAt), layout.age, true)}`}</Text>
      {layout.started > 0 && (
        <Text dimColor={stale}>{` ${fit(clockTime(job.startedAt), layout.started, true)}`}</Text>
      )}
      {layout.took > 0 && <Text dimColor={stale}>{` ${fit(took, layout.took, true)}`}</Text>}
      {layout.failed > 0 && (
        <Text {...(job.items.failed > 0 && !stale ? { color: 'red' } : {})} dimColor={stale}>
          {` ${fit(job.items.failed > 0 ? String(job.items.failed) : '', layout.failed).padStart(layout.failed)}`}
        </Text>
      )}
      <Text> </Text>
      <Text color={color}>{formatBar(barFraction(job), layout.bar)}</Text>
      <Text> </Text>
      <Text dimColor={stale || job.state === 'queued'}>
        {fit(restText(job, layout.rest, layout.took === 0), layout.rest)}
      </Text>
    </Box>
  );
});

/** The list's column titles, over the rows of `layout`. */
export function headingText(layout: RowLayout): string {
  const cols = [
    fit('NAME', layout.name, true),
    fit('ID', layout.id, true),
    fit('STATE', layout.state, true),
    fit('AGE', layout.age, true),
    ...(layout.started > 0 ? [fit('STARTED', layout.started, true)] : []),
    ...(layout.took > 0 ? [fit('TOOK', layout.took, true)] : []),
    ...(layout.failed > 0 ? [fit('FAILED', layout.failed, true)] : []),
    fit('PROGRESS', layout.bar, true),
  ];
  return `  ${cols.join(' ')}`;
}
