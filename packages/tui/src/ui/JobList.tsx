// The jobs that fit on screen, scrolled so the selected one is always visible.
import { isActive, type JobSnapshot } from '@threadline/core/client';
import { Box } from 'ink';
import { fit } from './format.js';
import { headingText, JobRow, rowLayout } from './JobRow.js';
import { Text } from './Text.js';

/** The rows above the first job: the column titles. */
export const LIST_TOP = 1;

/** The first job shown, for `count` jobs in `rows` rows with the one at `selected` in view. */
export function listOffset(count: number, selected: number, rows: number): number {
  return Math.min(Math.max(0, selected - rows + 1), Math.max(0, count - rows));
}

export function JobList({
  jobs,
  selectedId,
  height,
  columns,
  filter,
  now,
  connected = true,
}: {
  jobs: readonly JobSnapshot[];
  selectedId: string | null;
  height: number;
  columns: number;
  filter: string;
  now: number;
  /** False while the server does not answer: what active rows say may be old, so they are grey. */
  connected?: boolean;
}) {
  const layout = rowLayout(columns);
  const rows = Math.max(1, height - LIST_TOP);
  const selected = Math.max(
    0,
    jobs.findIndex((job) => job.id === selectedId),
  );
  const offset = listOffset(jobs.length, selected, rows);
  const visible = jobs.slice(offset, offset + rows);
  const range = jobs.length > rows ? ` ${offset + 1}–${offset + visible.length} of ${jobs.length}` : '';
  return (
    <Box flexDirection="column" height={height}>
      <Text dimColor>{fit(`${headingText(layout)}${range}`, columns)}</Text>
      {visible.length === 0 ? (
        <Text dimColor>
          {filter
            ? `  No job matches "${filter}" (esc clears the filter).`
            : '  No jobs yet. Press n to start one.'}
        </Text>
      ) : (
        visible.map((job) => (
          <JobRow
            key={job.id}
            job={job}
            selected={job.id === selectedId}
            layout={layout}
            now={now}
            stale={!connected && isActive(job.state)}
          />
        ))
      )}
    </Box>
  );
}
