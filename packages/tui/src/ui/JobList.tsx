// The jobs that fit on screen, scrolled so the selected one is always visible.
import type { JobSnapshot } from '@threadline/core';
import { Box, Text } from 'ink';
import { fit } from './format.js';
import { JobRow, rowLayout } from './JobRow.js';

export function JobList({
  jobs,
  selectedId,
  height,
  columns,
  filter,
}: {
  jobs: readonly JobSnapshot[];
  selectedId: string | null;
  height: number;
  columns: number;
  filter: string;
}) {
  const layout = rowLayout(columns);
  const rows = Math.max(1, height - 1);
  const selected = Math.max(
    0,
    jobs.findIndex((job) => job.id === selectedId),
  );
  const offset = Math.min(Math.max(0, selected - rows + 1), Math.max(0, jobs.length - rows));
  const visible = jobs.slice(offset, offset + rows);
  const heading = `  ${fit('NAME', layout.name, true)} ${fit('STATE', layout.state, true)} ${fit('PROGRESS', layout.bar, true)} ${jobs.length > rows ? `${offset + 1}–${offset + visible.length} of ${jobs.length}` : ''}`;
  return (
    <Box flexDirection="column" height={height}>
      <Text dimColor>{fit(heading, columns)}</Text>
      {visible.length === 0 ? (
        <Text dimColor>
          {filter
            ? `  No job matches "${filter}" (esc clears the filter).`
            : '  No jobs yet. Press n to start one.'}
        </Text>
      ) : (
        visible.map((job) => (
          <JobRow key={job.id} job={job} selected={job.id === selectedId} layout={layout} />
        ))
      )}
    </Box>
  );
}
