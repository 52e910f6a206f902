// The schedules of periodic jobs, opened with `s`: each one's job, period, next
// run counting down (a redraw a second, nothing fetched), how its last finished
// run ended and how long ago, and (when wide enough) its latest run, with
// its own status line and key hints, which follow its selection. What the keys
// do is in use-schedules-screen.ts.
import type { JobsView } from '@threadline/core/client';
import { Box } from 'ink';
import { useSyncExternalStore } from 'react';
import { Footer } from './Footer.js';
import { fit } from './format.js';
import { listOffset } from './JobList.js';
import { ScheduleRow, scheduleLayout } from './ScheduleRow.js';
import { Text } from './Text.js';
import { useNow } from './use-now.js';
import type { SchedulesScreen } from './use-schedules-screen.js';

export interface SchedulesProps {
  screen: SchedulesScreen;
  /** The jobs view, which knows the state of each schedule's latest run. */
  view: JobsView;
  /** Rows for the list; the status line and the key hints come below it. */
  height: number;
  columns: number;
}

export function Schedules({ screen, view, height, columns }: SchedulesProps) {
  const { schedules, loaded, selected, removing, status, hints } = screen;
  // Re-rendered with the view, so each latest run's state follows its events.
  useSyncExternalStore(view.subscribe, view.getSnapshot);
  const now = useNow(schedules.some((s) => (!s.paused && s.nextRunAt !== null) || s.lastFinished !== null));

  const layout = scheduleLayout(columns);
  const rows = Math.max(1, height - 1);
  const index = Math.max(0, selected ? schedules.indexOf(selected) : 0);
  const offset = listOffset(schedules.length, index, rows);
  const shown = schedules.slice(offset, offset + rows);
  const heading = [
    `  ${fit('JOB', layout.name, true)}`,
    ...(layout.title ? [fit('TITLE', layout.title, true)] : []),
    fit('EVERY', layout.every, true),
    fit('NEXT RUN', layout.next, true),
    ...(layout.latest > 0 ? [fit('LAST RUN', layout.last, true), 'LATEST RUN'] : ['LAST RUN']),
  ].join(' ');
  const range =
    schedules.length > rows ? `  ${offset + 1}–${offset + shown.length} of ${schedules.length}` : '';

  return (
    <>
      <Box flexDirection="column" height={height}>
        <Text dimColor>{fit(heading + range, columns)}</Text>
        {shown.length === 0 ? (
          <Text dimColor>
            {loaded
              ? '  No schedules. Make one with: threadline run <job> --every 5m'
              : '  Listing the schedules…'}
          </Text>
        ) : (
          shown.map((schedule) => (
            <ScheduleRow
              key={schedule.id}
              schedule={schedule}
              latestState={schedule.lastJobId ? view.get(schedule.lastJobId)?.state : undefined}
              selected={schedule.id === selected?.id}
              now={now}
              layout={layout}
            />
          ))
        )}
      </Box>
      <Text color={status?.color ?? 'gray'} bold={removing !== undefined}>
        {fit(status?.text ?? ' ', columns)}
      </Text>
      <Footer hints={hints} columns={columns} />
    </>
  );
}
