// The top line: where the jobs are, how many run, and whether the view is live.
import type { JobsViewState } from '@threadline/core/client';
import { Box } from 'ink';
import { fit } from './format.js';
import { Text } from './Text.js';

export function Header({
  where,
  status,
  counts,
  columns,
}: {
  where: string;
  status: Pick<JobsViewState, 'connection' | 'error'>;
  counts: string;
  columns: number;
}) {
  // Why it is disconnected goes in the status line: the header keeps room for the counts.
  const live =
    status.connection === 'live'
      ? { text: '● live', color: 'green' }
      : status.connection === 'connecting'
        ? { text: '○ connecting', color: 'yellow' }
        : { text: '○ disconnected · retrying', color: 'red' };
  // Counts first: a long data-dir path is what gets cut at 80 columns.
  const left = `Threadline · ${counts} · ${where}`;
  const room = Math.max(0, columns - live.text.length - 1);
  return (
    <Box>
      <Text bold>{fit(left, room, true)}</Text>
      <Text> </Text>
      <Text color={live.color} bold={status.connection === 'reconnecting'}>
        {fit(live.text, columns - room - 1)}
      </Text>
    </Box>
  );
}
