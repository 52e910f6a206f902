// @threadline/core/client: what a UI needs to show jobs from any JobClient, in
// a browser too. Nothing here, nor in what it imports, may use Node: the web
// page bundles this entry (test/client.test.ts checks the import graph).

export * from '../protocol/errors.js';
export * from '../protocol/format.js';
export * from '../protocol/typed-client.js';
export * from '../protocol/types.js';
export { applyEvent, applyJobEvent, mergeJob } from './apply-event.js';
export { type Backoff, backoffMs } from './backoff.js';
export {
  type JobsConnection,
  type JobsView,
  type JobsViewOptions,
  type JobsViewState,
  jobsView,
} from './jobs-view.js';
export { compareJobs } from './order.js';
export { PushStream } from './push-stream.js';
export { createTicker, type Ticker } from './ticker.js';
