// What the TUI knows of jobs: core's jobsView, with the TUI's limits.
import { type JobClient, type JobsView, type JobsViewOptions, jobsView } from '@threadline/core/client';

export const TUI_VIEW_OPTIONS: JobsViewOptions = {
  // Ten renders a second at most, however busy the engine is.
  intervalMs: 100,
  // Finished jobs listed at start; the list keeps at most this many.
  pageSize: 100,
  maxFinished: 500,
};

export const tuiJobsView = (client: JobClient): JobsView => jobsView(client, TUI_VIEW_OPTIONS);
