// A job's id as a link to its details: a real href (a new tab, a copied
// address) that a plain click follows in the page, with the job's state when
// the page holds it.
import type { MouseEvent } from 'react';
import { useActions } from './actions';
import { stateClass, stateLabel } from './format';
import { jobPath } from './router';
import { useJobState } from './store';

export function JobLink({ id, withState }: { id: string; withState: boolean }) {
  const { open } = useActions();
  const state = useJobState(id);
  const follow = (event: MouseEvent) => {
    // A modified click (a new tab, a new window) is the browser's.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    open(id);
  };
  return (
    <>
      <a className="mono" href={jobPath(id)} onClick={follow}>
        {id}
      </a>
      {withState && state !== undefined && <span className={stateClass(state)}>{stateLabel(state)}</span>}
    </>
  );
}
