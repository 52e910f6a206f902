// A resumed job and the job that resumed it point at each other: "Resumed as
// <link>" on the old one, "Resumes <link>" on the new one (each a JobLink).
import type { JobSnapshot } from '@threadline/core/client';
import { JobLink } from './JobLink';
import { useResumedAs } from './store';

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
