// What rows and panels can ask of the page, without threading callbacks through
// every memoized row: open a job, run one again with its input in the form.
import type { JobSnapshot } from '@threadline/core/client';
import { createContext, useContext, useEffect, useState } from 'react';
import { client, messageOf } from './api';

export interface PageActions {
  /** Opens (or, given the open one, closes) a job's details. */
  toggle(id: string): void;
  /** Puts the job's name and input into the start form, to edit and start. */
  runAgain(job: Pick<JobSnapshot, 'name' | 'input'>): void;
}

export const ActionsContext = createContext<PageActions>({ toggle: () => {}, runAgain: () => {} });
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
