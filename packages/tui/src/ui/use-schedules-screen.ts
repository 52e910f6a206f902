// What the schedules screen does with keys and the mouse: select a schedule
// (a click, the wheel), pause or resume it (`p`), remove it once confirmed
// (`x`, `d`), go back (`esc`, `q`). The app
// calls `onKey` from its own key handler, so a key typed right after `s` (in
// one burst: a paste, tmux send-keys) reaches this screen, not the void.
import { formatNextRun, type JobClient, type JobsView, type ScheduleInfo } from '@threadline/core/client';
import type { Key } from 'ink';
import { useEffect, useState } from 'react';
import type { KeyHint } from './Footer.js';
import { listOffset } from './JobList.js';
import type { MouseEvent } from './mouse.js';
import type { Flash } from './StatusLine.js';
import { useLiveState } from './use-live-state.js';
import { type Schedules, useSchedules } from './use-schedules.js';

export interface SchedulesScreen extends Omit<Schedules, 'current' | 'put' | 'drop'> {
  selected: ScheduleInfo | undefined;
  /** The schedule whose removal waits for y or n. */
  removing: ScheduleInfo | undefined;
  /** The status line: the question, a listing's failure, or the last action's outcome. */
  status: Flash | null;
  hints: KeyHint[];
  onKey(input: string, key: Key): void;
  /** A click on the row at `event.row` selects it (rows start at `firstRow`, `rows` of them); the wheel moves. */
  onMouse(event: MouseEvent, firstRow: number, rows: number): void;
}

const describe = (s: ScheduleInfo) => `${s.name} every ${s.every}`;
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function useSchedulesScreen({
  client,
  view,
  open,
  onBack,
}: {
  client: JobClient;
  view: JobsView;
  /** The screen is shown: only then is the list read. */
  open: boolean;
  onBack: () => void;
}): SchedulesScreen {
  const listing = useSchedules(client, view, open);
  const { schedules, error, current: getListed, refresh, put, drop } = listing;
  const [getSelectedId, setSelectedId] = useLiveState<string | null>(null);
  const [getRemoving, setRemoving] = useLiveState<string | null>(null);
  const [flash, setFlash] = useState<Flash | null>(null);

  useEffect(() => {
    if (!flash) return;
    const timer = setTimeout(() => setFlash(null), 5000);
    return () => clearTimeout(timer);
  }, [flash]);

  // Handlers read what is listed now (getListed), not this render's copy.
  const selectedNow = () => {
    const listed = getListed();
    return listed.find((s) => s.id === getSelectedId()) ?? listed[0];
  };

  const move = (by: number | 'first' | 'last') => {
    const listed = getListed();
    const at = listed.indexOf(selectedNow()!);
    if (at < 0) return;
    const to = by === 'first' ? 0 : by === 'last' ? listed.length - 1 : at + by;
    setSelectedId(listed[Math.min(listed.length - 1, Math.max(0, to))]!.id);
  };

  const togglePause = (schedule: ScheduleInfo) => {
    const pausing = !schedule.paused;
    setFlash({ text: `${pausing ? 'Pausing' : 'Resuming'} ${describe(schedule)}…`, color: 'yellow' });
    (pausing ? client.pauseSchedule(schedule.id) : client.resumeSchedule(schedule.id))
      .then((info) => {
        put(info);
        const text = pausing
          ? `Paused ${describe(info)}: no runs until p resumes it.`
          : `Resumed ${describe(info)}: next run ${formatNextRun(info, Date.now())}.`;
        setFlash({ text, color: 'green' });
      })
      .catch((reason: unknown) => {
        setFlash({ text: `Cannot ${pausing ? 'pause' : 'resume'}: ${message(reason)}`, color: 'red' });
        // What the list shows may be what another shell changed since.
        refresh();
      });
  };

  const remove = (schedule: ScheduleInfo) => {
    setFlash({ text: `Removing ${describe(schedule)}…`, color: 'yellow' });
    client
      .removeSchedule(schedule.id)
      .then(() => {
        drop(schedule.id);
        const text = `Removed ${describe(schedule)} (${schedule.id}). Its runs stay.`;
        setFlash({ text, color: 'green' });
      })
      .catch((reason: unknown) => {
        setFlash({ text: `Cannot remove: ${message(reason)}`, color: 'red' });
        refresh();
      });
  };

  const onKey = (input: string, key: Key) => {
    const confirming = getListed().find((s) => s.id === getRemoving());
    if (confirming) {
      const yes = input === 'y' || input === 'Y' || key.return;
      if (yes) remove(confirming);
      if (yes || input === 'n' || input === 'N' || key.escape) setRemoving(null);
      return;
    }
    if (key.escape || key.leftArrow || key.backspace || key.delete || input === 'q') {
      setFlash(null);
      onBack();
    } else if (key.upArrow || input === 'k') move(-1);
    else if (key.downArrow || input === 'j') move(1);
    else if (key.home || input === 'g') move('first');
    else if (key.end || input === 'G') move('last');
    else if (input === 'p' || input === 'x' || input === 'd') {
      const schedule = selectedNow();
      if (!schedule) return;
      if (input === 'p') togglePause(schedule);
      else {
        // The question takes the status line; an older outcome must not come back after it.
        setFlash(null);
        setRemoving(schedule.id);
      }
    }
  };

  const onMouse = (event: MouseEvent, firstRow: number, rows: number) => {
    if (getRemoving() !== null) return;
    if (event.kind === 'wheel') return move(event.direction * 3);
    const listed = getListed();
    const row = event.row - firstRow;
    const at = Math.max(0, listed.indexOf(selectedNow()!));
    const schedule = row >= 0 && row < rows ? listed[listOffset(listed.length, at, rows) + row] : undefined;
    if (schedule) setSelectedId(schedule.id);
  };

  const selected = schedules.find((s) => s.id === getSelectedId()) ?? schedules[0];
  const removing = schedules.find((s) => s.id === getRemoving());
  const status: Flash | null = removing
    ? {
        text: `Remove schedule ${describe(removing)}? y remove · n keep (its runs stay)`,
        color: 'yellow',
      }
    : error
      ? { text: `Cannot list the schedules: ${error}`, color: 'red' }
      : flash;
  const hints: KeyHint[] = removing
    ? [
        ['y', 'remove'],
        ['n', 'keep'],
      ]
    : [
        ['esc', 'back'],
        ...(selected
          ? ([
              ['p', selected.paused ? 'resume' : 'pause'],
              ['x', 'remove'],
            ] as const)
          : []),
        ['↑↓', 'select'],
      ];
  return { ...listing, selected, removing, status, hints, onKey, onMouse };
}
