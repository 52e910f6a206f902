// One schedule as one line: marker, job, period, next run (a countdown, with
// the time when it fits), and its latest run with that run's state.
import { formatClock, formatNextRun, type JobState, type ScheduleInfo } from '@threadline/core/client';
import { Box } from 'ink';
import { memo } from 'react';
import { fit, STATE_COLOR } from './format.js';
import { Text } from './Text.js';

export interface ScheduleLayout {
  name: number;
  /** 0: no title column (narrow terminals). */
  title: number;
  every: number;
  next: number;
  latest: number;
}

/**
 * Column widths for a terminal `columns` wide; at 80 a latest run's id and state fit whole.
 * The next run takes what is left up to the longest it says (a countdown, a date and a time);
 * past that, on a wide terminal, the title does.
 */
export function scheduleLayout(columns: number): ScheduleLayout {
  const name = columns >= 100 ? 22 : 16;
  const every = 6;
  // "j_" + 16 characters of id, a space, the longest state ("interrupted").
  const latest = 30;
  // marker (2), and a space after each column but the last
  const fixed = 2 + name + 1 + every + 1 + 1 + latest;
  if (columns < 120) return { name, title: 0, every, next: Math.max(8, columns - fixed), latest };
  const next = Math.min(34, columns - fixed - 25);
  return { name, title: Math.min(40, columns - fixed - next - 1), every, next, latest };
}

export const ScheduleRow = memo(function ScheduleRow({
  schedule,
  latestState,
  selected,
  now,
  layout,
}: {
  schedule: ScheduleInfo;
  /** The latest run's state, when the jobs view holds that run. */
  latestState: JobState | undefined;
  selected: boolean;
  now: number;
  layout: ScheduleLayout;
}) {
  const countdown = formatNextRun(schedule, now);
  const withClock =
    schedule.nextRunAt === null || schedule.paused
      ? countdown
      : `${countdown} · ${formatClock(schedule.nextRunAt, now)}`;
  const next = withClock.length <= layout.next ? withClock : countdown;
  const latestId = schedule.lastJobId ?? '—';
  return (
    <Box>
      <Text color="cyan">{selected ? '▶ ' : '  '}</Text>
      <Text bold={selected} inverse={selected}>
        {fit(schedule.name, layout.name, true)}
      </Text>
      {layout.title > 0 && <Text dimColor>{` ${fit(schedule.title, layout.title, true)}`}</Text>}
      <Text>{` ${fit(schedule.every, layout.every, true)} `}</Text>
      {schedule.paused ? (
        <Text color="yellow">{fit(next, layout.next, true)}</Text>
      ) : (
        <Text>{fit(next, layout.next, true)}</Text>
      )}
      <Text> </Text>
      <Text>{latestId}</Text>
      {latestState && <Text color={STATE_COLOR[latestState]}>{` ${latestState}`}</Text>}
    </Box>
  );
});
