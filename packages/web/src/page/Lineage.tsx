// A resumed job and the job that resumed it point at each other: "Resumed as
// <link>" on the old one, "Resumes <link>" on the new one. A link is a real
// href (a new tab, a copied address) that a plain click follows in the page.
import type { JobSnapshot } from '@threadline/core/client';
import type { MouseEvent } from 'react';
import { useActions } from './actions';
import { stateClass, stateLabel } from './format';
import { jobPath } from './router';
import { useJobState, useResumedAs } from './store';

export function Lineage(props: {
  job: Pick<JobSnapshot, 'id' | 'resumeOf' | 'resumedAs'>;
  compact?: boolean;
}) {
  const { job, compact = false } = props;
  const resumedAs = useResumedAs(job);
  if (job.resumeOf === undefined && resumedAs === undefined) return null;
  return (
    <div className={`lineage${compact ? ' compact' : ''}`}>
      {job.resumeOf !== undefined && (
        <span data-testid="resumes">
          Resumes <JobLink id={job.resumeOf} withState={!compact} />
        </span>
      )}
      {resumedAs !== undefined && (
        <span data-testid="resumed-as">
          Resumed as <JobLink id={resumedAs} withState={!compact} />
        </span>
      )}
    </div>
  );
}

function JobLink({ id, withState }: { id: string; withState: boolean }) {
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
