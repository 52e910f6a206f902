// One job as one line: marker, name, coloured state, bar, then its progress or outcome.
import { barFraction, formatBar, type JobSnapshot } from '@threadline/core/client';
import { Box, Text } from 'ink';
import { memo } from 'react';
import { fit, jobLine, STATE_COLOR } from './format.js';

export interface RowLayout {
  name: number;
  state: number;
  bar: number;
  rest: number;
}

/** Column widths for a terminal `columns` wide; at 80 the text after the bar keeps 37 cells. */
export function rowLayout(columns: number): RowLayout {
  const name = columns >= 100 ? 22 : columns >= 70 ? 14 : 12;
  // The longest state, "interrupted", whole: a shutdown leaves jobs in it, and "interrupt…" reads as a verb.
  const state = 11;
  const barWidth = columns >= 100 ? 24 : columns >= 70 ? 12 : 8;
  // marker (2) + three separating spaces
  const rest = Math.max(0, columns - 2 - name - state - barWidth - 3 - 1);
  return { name, state, bar: barWidth, rest };
}

export const JobRow = memo(function JobRow({
  job,
  selected,
  layout,
}: {
  job: JobSnapshot;
  selected: boolean;
  layout: RowLayout;
}) {
  const color = STATE_COLOR[job.state];
  return (
    <Box>
      <Text color="cyan">{selected ? '▶ ' : '  '}</Text>
      <Text bold={selected} inverse={selected}>
        {fit(job.name, layout.name, true)}
      </Text>
      <Text> </Text>
      <Text color={color}>{fit(job.state, layout.state, true)}</Text>
      <Text> </Text>
      <Text color={color}>{formatBar(barFraction(job), layout.bar)}</Text>
      <Text> </Text>
      <Text dimColor={job.state === 'queued'}>{fit(jobLine(job), layout.rest)}</Text>
    </Box>
  );
});
