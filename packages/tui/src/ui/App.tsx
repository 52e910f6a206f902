// The whole screen: a header, the job list (or one job's details, the start
// form, the schedules, or the help), a status line and the key hints. Owns
// what is selected, the filter, the keys and the mouse, and the quit sequence
// (ask, cancel this engine's jobs, wait, exit); what the keys do to a job is in
// job-actions.ts.
import { isActive, isFinal, type JobClient, type JobsView } from '@threadline/core/client';
import { Box, useApp } from 'ink';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import { matchesFilter } from '../state/filter.js';
import { stopsOnQuit } from '../state/quit.js';
import { DETAILS_TOP, Details } from './Details.js';
import { detailsLines } from './details-lines.js';
import { editText } from './edit-text.js';
import { Footer } from './Footer.js';
import { Header } from './Header.js';
import { Help } from './Help.js';
import { helpLines } from './help-lines.js';
import { hintsFor } from './hints.js';
import { JobList, LIST_TOP, listOffset } from './JobList.js';
import { jobActions } from './job-actions.js';
import type { Mode } from './mode.js';
import type { MouseEvent } from './mouse.js';
import { Schedules } from './Schedules.js';
import { StartJob } from './StartJob.js';
import { type Flash, StatusLine } from './StatusLine.js';
import { useJobDetails } from './use-job-details.js';
import { type KeyPress, useKeys } from './use-keys.js';
import { useLiveState } from './use-live-state.js';
import { useNow } from './use-now.js';
import { useSchedulesScreen } from './use-schedules-screen.js';
import { useScroll } from './use-scroll.js';
import { useTerminalSize } from './use-terminal-size.js';

/** The screen row (1-based, as the mouse reports it) where the header's line is; the body starts below. */
const BODY_ROW = 2;
/** Rows a wheel notch moves. */
const WHEEL = 3;

export interface AppProps {
  client: JobClient;
  /** The jobs of `client`, kept live (see state/view.ts); whoever made it closes it. */
  view: JobsView;
  /** The TUI runs its own engine: quitting must stop its jobs. */
  local: boolean;
  /** Where the jobs are, for the header ("local engine", a server URL). */
  where: string;
}

/** What the app tells its runner when it exits. */
export interface AppResult {
  /** Jobs this TUI cancelled on the way out. */
  cancelled: number;
}

export function App({ client, view, local, where }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const state = useSyncExternalStore(view.subscribe, view.getSnapshot);
  const { jobs, active } = state;
  // What quitting would stop: a schedule's waiting run is kept for the next engine (state/quit.ts).
  const stopping = useMemo(() => active.filter(stopsOnQuit), [active]);
  const [getMode, setMode] = useLiveState<Mode>({ kind: 'list' });
  const [getFilter, setFilter] = useLiveState('');
  const [getEditingFilter, setEditingFilter] = useLiveState(false);
  const [getSelectedId, setSelectedId] = useLiveState<string | null>(null);
  const [flash, setFlash] = useState<Flash | null>(null);
  const mode = getMode();
  const filter = getFilter();
  const editingFilter = getEditingFilter();
  const scroll = useScroll();
  // An own engine is always there; a server may stop answering (state/watchdog.ts).
  const connected = local || state.connection === 'live';
  const now = useNow(mode.kind === 'list');

  useEffect(() => {
    if (!flash) return;
    const timer = setTimeout(() => setFlash(null), 5000);
    return () => clearTimeout(timer);
  }, [flash]);

  // Handlers read the view and live state directly, never this render's copies.
  const visibleNow = () => view.getSnapshot().jobs.filter((job) => matchesFilter(job, getFilter()));
  const selectedNow = () => {
    const visible = visibleNow();
    return visible.find((job) => job.id === getSelectedId()) ?? visible[0];
  };
  const stoppingNow = () => view.getSnapshot().active.filter(stopsOnQuit);

  const visible = useMemo(() => jobs.filter((job) => matchesFilter(job, filter)), [jobs, filter]);
  const selected = visible.find((job) => job.id === getSelectedId()) ?? visible[0];

  // Quitting waits for this engine's jobs to reach a final state before exiting.
  useEffect(() => {
    if (mode.kind === 'quitting' && stopping.length === 0)
      exit({ cancelled: mode.cancelled } satisfies AppResult);
  }, [mode, stopping.length, exit]);

  // While it asks, the question follows the jobs: once none runs, there is nothing to ask.
  useEffect(() => {
    if (mode.kind !== 'confirm-quit') return;
    if (stopping.length === 0) exit({ cancelled: 0 } satisfies AppResult);
    else if (stopping.length !== mode.running) setMode({ kind: 'confirm-quit', running: stopping.length });
  }, [mode, stopping.length, exit, setMode]);

  const { online, cancel, resume } = jobActions({
    client,
    view,
    local,
    setFlash,
    // The new job takes the old one's place on screen: selected, and in details if they were open.
    onResumed: (old, next) => {
      setFilter('');
      setSelectedId(next.id);
      const current = getMode();
      if (current.kind === 'details' && current.jobId === old.id)
        setMode({ kind: 'details', jobId: next.id });
    },
  });

  const quit = () => {
    const running = stoppingNow().length;
    if (!local || running === 0) exit({ cancelled: 0 } satisfies AppResult);
    else setMode({ kind: 'confirm-quit', running });
  };

  const cancelAllAndQuit = (force: boolean) => {
    const running = stoppingNow();
    setMode({ kind: 'quitting', cancelled: running.length });
    for (const job of running) {
      client.cancel(job.id, { reason: 'the terminal UI quit', force }).catch(() => {});
    }
  };

  const move = (to: (index: number, count: number) => number) => {
    const list = visibleNow();
    if (list.length === 0) return;
    const at = Math.max(
      0,
      list.findIndex((job) => job.id === selectedNow()?.id),
    );
    setSelectedId(list[Math.min(list.length - 1, Math.max(0, to(at, list.length)))]!.id);
  };

  const schedules = useSchedulesScreen({
    client,
    view,
    open: mode.kind === 'schedules',
    onBack: () => setMode({ kind: 'list' }),
  });

  const listHeight = Math.max(3, rows - 4);
  const page = Math.max(1, listHeight - 2);
  // Between the header and the status line and footer, in the rows-1 the app draws.
  const bodyHeight = listHeight;

  const detailsJob = mode.kind === 'details' ? view.get(mode.jobId) : undefined;
  const fetched = useJobDetails(client, detailsJob?.id, detailsJob ? isFinal(detailsJob.state) : true);
  // Details and help scroll: their lines are wrapped to the width, and the scroll knows how many.
  const scrolled =
    mode.kind === 'help'
      ? { lines: helpLines(columns), height: bodyHeight - 1 }
      : detailsJob
        ? {
            lines: detailsLines(detailsJob, fetched.details, fetched.error, columns),
            height: bodyHeight - DETAILS_TOP,
          }
        : undefined;
  if (scrolled) scroll.measure(scrolled.lines.length, scrolled.height);

  const open = (next: Mode) => {
    scroll.reset();
    setMode(next);
  };
  const isHelpKey = (input: string, key: KeyPress) => input === '?' || input === 'h' || key.f1 === true;

  const onMouse = (event: MouseEvent) => {
    const current = getMode();
    // The schedules' rows start below their column titles, as the jobs' do.
    if (current.kind === 'schedules') return schedules.onMouse(event, BODY_ROW + 1, listHeight);
    if (current.kind === 'help' || current.kind === 'details') {
      if (event.kind === 'wheel') scroll.by(event.direction * WHEEL);
      return;
    }
    if (current.kind !== 'list' || getEditingFilter()) return;
    if (event.kind === 'wheel') return move((i) => i + event.direction * WHEEL);
    // A click on a job's row selects it.
    const list = visibleNow();
    const rowsShown = Math.max(1, bodyHeight - LIST_TOP);
    const at = list.findIndex((job) => job.id === selectedNow()?.id);
    const row = event.row - BODY_ROW - LIST_TOP;
    const job =
      row >= 0 && row < rowsShown
        ? list[listOffset(list.length, Math.max(0, at), rowsShown) + row]
        : undefined;
    if (job) setSelectedId(job.id);
  };

  useKeys(
    (input, key) => {
      const ctrlC = key.ctrl && input === 'c';
      const current = getMode();
      if (current.kind === 'quitting') {
        // Asking again does not wait for the grace period: closing the engine stops the rest.
        if (ctrlC || input === 'f' || input === 'q')
          exit({ cancelled: current.cancelled } satisfies AppResult);
        return;
      }
      if (current.kind === 'confirm-quit') {
        if (input === 'y' || input === 'Y' || key.return) cancelAllAndQuit(false);
        else if (input === 'f' || ctrlC) cancelAllAndQuit(true);
        else if (input === 'n' || input === 'N' || key.escape) setMode({ kind: 'list' });
        return;
      }
      if (ctrlC) return quit();
      if (current.kind === 'start') return;
      if (current.kind === 'help') {
        if (scroll.onKey(input, key)) return;
        if (
          key.escape ||
          key.return ||
          key.leftArrow ||
          key.backspace ||
          input === 'q' ||
          isHelpKey(input, key)
        )
          setMode(current.back);
        return;
      }
      if (current.kind === 'schedules') {
        if (key.f1 || input === '?') return open({ kind: 'help', back: current });
        return schedules.onKey(input, key);
      }
      if (current.kind === 'details') {
        if (key.escape || key.return || key.leftArrow || key.backspace || key.delete || input === 'q') {
          setMode({ kind: 'list' });
        } else if (isHelpKey(input, key)) open({ kind: 'help', back: current });
        else if (input === 'c' || input === 'f') cancel(view.get(current.jobId), input === 'f');
        else if (input === 'r') resume(view.get(current.jobId));
        else scroll.onKey(input, key);
        return;
      }
      if (key.f1) return open({ kind: 'help', back: current });
      if (getEditingFilter()) {
        if (key.return) setEditingFilter(false);
        else if (key.escape) {
          setFilter('');
          setEditingFilter(false);
        } else if (key.upArrow) move((i) => i - 1);
        else if (key.downArrow) move((i) => i + 1);
        else {
          const edited = editText(getFilter(), input, key);
          if (edited !== null) setFilter(edited);
        }
        return;
      }
      if (key.upArrow || input === 'k') move((i) => i - 1);
      else if (key.downArrow || input === 'j') move((i) => i + 1);
      else if (key.pageUp) move((i) => i - page);
      else if (key.pageDown) move((i) => i + page);
      else if (key.home || input === 'g') move(() => 0);
      else if (key.end || input === 'G') move((_, count) => count - 1);
      else if (input === 'n') online('starting a job') && setMode({ kind: 'start' });
      else if (input === 's') online('the schedules screen') && setMode({ kind: 'schedules' });
      else if (input === 'c') cancel(selectedNow(), false);
      else if (input === 'f') cancel(selectedNow(), true);
      else if (input === 'r') resume(selectedNow());
      else if (isHelpKey(input, key)) open({ kind: 'help', back: current });
      else if (key.return) {
        const job = selectedNow();
        if (job) open({ kind: 'details', jobId: job.id });
      } else if (input === '/') setEditingFilter(true);
      else if (key.escape && getFilter()) setFilter('');
      else if (input === 'q') quit();
    },
    { onMouse },
  );

  const running = active.filter((job) => job.state !== 'queued').length;
  const queued = active.length - running;
  const flashJob = flash?.jobId ? jobs.find((job) => job.id === flash.jobId) : undefined;
  const shownFlash: Flash | null =
    flashJob && !isActive(flashJob.state)
      ? { text: `${flashJob.name} (${flashJob.id}) ${flashJob.state}.`, color: 'gray' }
      : (flash ??
        (connected
          ? null
          : {
              text: `Disconnected: the server does not answer${state.error ? ` (${state.error})` : ''}; retrying. Actions are off until it does.`,
              color: 'red',
            }));

  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <Header
        where={where}
        status={state}
        counts={`${running} running · ${queued} queued · ${jobs.length} ${jobs.length === 1 ? 'job' : 'jobs'}`}
        columns={columns}
      />
      {mode.kind === 'start' ? (
        <StartJob
          client={client}
          height={listHeight + 1}
          columns={columns}
          onDone={(job) => {
            setMode({ kind: 'list' });
            if (job) {
              view.put([job]);
              setSelectedId(job.id);
              setFilter('');
              setFlash({ text: `Started ${job.name} (${job.id}).`, color: 'green' });
            }
          }}
        />
      ) : mode.kind === 'schedules' ? (
        <Schedules screen={schedules} view={view} height={listHeight + 1} columns={columns} />
      ) : mode.kind === 'help' && scrolled ? (
        <Help lines={scrolled.lines} offset={scroll.offset} height={bodyHeight} columns={columns} />
      ) : detailsJob && scrolled ? (
        <Details
          job={detailsJob}
          lines={scrolled.lines}
          offset={scroll.offset}
          height={bodyHeight}
          columns={columns}
        />
      ) : (
        <JobList
          jobs={visible}
          selectedId={selected?.id ?? null}
          height={bodyHeight}
          columns={columns}
          filter={filter}
          now={now}
          connected={connected}
        />
      )}
      {mode.kind !== 'schedules' && (
        <>
          <StatusLine
            mode={mode}
            flash={shownFlash}
            filter={filter}
            editingFilter={editingFilter}
            columns={columns}
          />
          <Footer
            hints={hintsFor(mode, editingFilter, detailsJob ?? selected, connected)}
            columns={columns}
          />
        </>
      )}
    </Box>
  );
}
