// What rows and panels can ask of the page, without threading callbacks through
// every memoized row: open a job, run one again with its input in the form,
// resume what one left undone.
import type { JobSnapshot } from '@threadline/core/client';
import { createContext, useContext, useEffect, useState } from 'react';
import { client, messageOf } from './api';
import { jobs } from './store';

export interface PageActions {
  /** Opens (or, given the open one, closes) a job's details. */
  toggle(id: string): void;
  /** Opens a job's details, at its URL. */
  open(id: string): void;
  /** Puts the job's name and input into the start form, to edit and start. */
  runAgain(job: Pick<JobSnapshot, 'name' | 'input'>): void;
  /** Closes the job's details if they are open (it was deleted). */
  close(id: string): void;
}

export const ActionsContext = createContext<PageActions>({
  toggle: () => {},
  open: () => {},
  runAgain: () => {},
  close: () => {},
});
export const useActions = () => useContext(ActionsContext);

/** Cancelling this long without an end offers Force, which terminates the job's workers. */
const FORCE_AFTER_MS = 1500;

/** Cancel and force for one job: busy while a request is out, its error as one line. */
export function useCancel(job: Pick<JobSnapshot, 'id' | 'state'>) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const showForce = useForceAfter(job.state === 'cancelling');
  const cancel = async (force: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      await client.cancel(job.id, force ? { force } : {});
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return { cancel, busy, error, showForce };
}

function useForceAfter(cancelling: boolean): boolean {
  const [show, setShow] = useState(false);
  useEffect(() => {
    if (!cancelling) {
      setShow(false);
      return;
    }
    const timer = setTimeout(() => setShow(true), FORCE_AFTER_MS);
    return () => clearTimeout(timer);
  }, [cancelling]);
  return show;
}

/**
 * What the resume button of a job says, or undefined when it has none: the job
 * must have stopped short (core refuses a succeeded or live job) and not have
 * been resumed already (`resumedAs`, as the page knows it).
 */
export function resumeLabel(
  job: Pick<JobSnapshot, 'state'>,
  resumedAs: string | undefined,
): string | undefined {
  if (resumedAs !== undefined) return undefined;
  if (job.state === 'failed' || job.state === 'partial') return 'Retry failed';
  if (job.state === 'cancelled' || job.state === 'interrupted') return 'Resume';
  return undefined;
}

/**
 * Resume for one job: a new job that skips the items that succeeded. On success
 * the page goes to the new job's URL; a refusal (resumed already, a path the
 * server no longer allows) is its message, as one line.
 */
export function useResume(job: Pick<JobSnapshot, 'id'>) {
  const { open } = useActions();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const resume = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const next = await client.resume(job.id);
      // Before its `queued` event arrives: the old job's row loses its button at once.
      jobs.put([next]);
      open(next.id);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return { resume, busy, error };
}

/** Dispatched on window once a job was deleted: the history reads itself again. */
export const DELETED = 'threadline:deleted';

/**
 * Delete for one finished job, after the person confirms: the job and all it
 * recorded go for good. Its details close if open, and the history reads again.
 */
export function useDelete(job: Pick<JobSnapshot, 'id' | 'title'>) {
  const { close } = useActions();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    if (
      !window.confirm(
        `Delete "${job.title}" (${job.id}) with its items, logs and results? This cannot be undone.`,
      )
    )
      return;
    setBusy(true);
    setError(undefined);
    try {
      await client.delete!(job.id);
      close(job.id);
      window.dispatchEvent(new Event(DELETED));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return { remove, busy, error };
}
