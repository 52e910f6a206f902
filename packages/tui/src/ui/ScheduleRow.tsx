// One schedule as one line: marker, job, period, next run (a countdown, with
// the time when it fits), how its last finished run ended and when, and, on a
// terminal wide enough, its latest run (waiting or running) with that run's state.
import {
  formatClock,
  formatLastRun,
  formatNextRun,
  isActive,
  type JobState,
  type ScheduleInfo,
} from '@threadline/core/client';
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
  /** The last finished run: "interrupted · 23h ago" whole. */
  last: number;
  /** 0: no latest run column (under 100 columns). */
  latest: number;
}

/** A next run with its countdown and clock ("in 59m12s · 7:31:17 PM"), and the narrowest title worth showing. */
const CLOCKED = 22;
const MIN_TITLE = 12;

/**
 * Column widths for a terminal `columns` wide; at 80 the last run's state and age fit whole,
 * from 100 the latest run's id and state too. The next run takes what is left up to the longest
 * it says (a countdown, a date and a time); past that, on a wide terminal, the title does.
 */
export function scheduleLayout(columns: number): ScheduleLayout {
  const name = columns >= 120 ? 22 : 16;
  const every = 6;
  const last = 21;
  // "j_" + 16 characters of id, a space, the longest state of a run not finished ("cancelling").
  const latest = columns >= 100 ? 29 : 0;
  // marker (2), and a space after each column but the last
  const fixed = 2 + name + 1 + every + 1 + 1 + last + (latest > 0 ? 1 + latest : 0);
  const room = columns - fixed;
  // A title column only once the next run has room for its clock.
  if (room < CLOCKED + 1 + MIN_TITLE) return { name, title: 0, every, next: Math.max(8, room), last, latest };
  const next = Math.min(34, room - 1 - MIN_TITLE);
  return { name, title: Math.min(40, room - next - 1), every, next, last, latest };
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
  const { lastFinished, lastJobId } = schedule;
  // The latest run while it has not ended; a run dropped by a pause never ran and is left out.
  const latest =
    layout.latest > 0 &&
    lastJobId !== null &&
    lastJobId !== lastFinished?.jobId &&
    (latestState === undefined || isActive(latestState))
      ? lastJobId
      : undefined;
  const lastText = fit(formatLastRun(lastFinished, now), layout.last, latest !== undefined);
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
      {lastFinished ? (
        <Text color={STATE_COLOR[lastFinished.state]}>{lastText}</Text>
      ) : (
        <Text dimColor>{lastText}</Text>
      )}
      {latest && <Text>{` ${latest}`}</Text>}
      {latest && latestState && <Text color={STATE_COLOR[latestState]}>{` ${latestState}`}</Text>}
    </Box>
  );
});
