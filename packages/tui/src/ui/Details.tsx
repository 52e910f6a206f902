// One job in full: its name, state and bar on top, then the rest (details-lines.ts)
// scrolled a screenful at a time. The snapshot comes live from the view; failures and
// logs are fetched (use-job-details.ts).
import { barFraction, formatBar, type JobSnapshot } from '@threadline/core/client';
import { Box } from 'ink';
import { fit, jobLine, STATE_COLOR } from './format.js';
import { type Line, Scrolled } from './Scrolled.js';
import { Text } from './Text.js';

/** The rows above the scrolled part: the title and the bar. */
export const DETAILS_TOP = 2;

export function Details({
  job,
  lines,
  offset,
  height,
  columns,
}: {
  job: JobSnapshot;
  lines: readonly Line[];
  offset: number;
  height: number;
  columns: number;
}) {
  const width = columns;
  return (
    <Box flexDirection="column" height={height}>
      <Text>
        <Text bold>{job.name}</Text>
        <Text> </Text>
        <Text color={STATE_COLOR[job.state]}>{job.state}</Text>
        <Text dimColor>
          {fit(`  ${job.title} · ${job.id}`, Math.max(0, width - job.name.length - job.state.length - 1))}
        </Text>
      </Text>
      <Text>
        <Text color={STATE_COLOR[job.state]}>{formatBar(barFraction(job), 20)}</Text>
        <Text>{` ${fit(jobLine(job), width - 21)}`}</Text>
      </Text>
      <Scrolled lines={lines} offset={offset} height={Math.max(1, height - DETAILS_TOP)} columns={columns} />
    </Box>
  );
}
