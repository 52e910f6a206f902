// A JobClient for tests of what the TUI does with events: it lists the jobs it
// is given and streams what the test pushes, through core's PushStream.
import { type JobClient, type JobEvent, type JobSnapshot, PushStream } from '@threadline/core/client';

export function pushClient(jobs: JobSnapshot[] = []): {
  client: JobClient;
  push(...events: JobEvent[]): void;
} {
  const open = new Set<PushStream<JobEvent>>();
  // Pushed while no stream is open (before the view follows, between reconnects): the next one gets them.
  const pending: JobEvent[] = [];
  const never = () => Promise.reject(new Error('not in this test'));
  const client: JobClient = {
    definitions: async () => [],
    start: never,
    cancel: never,
    resume: never,
    get: async (id) => jobs.find((job) => job.id === id),
    details: async () => undefined,
    list: async (filter = {}) => {
      const states = filter.state === undefined ? undefined : [filter.state].flat();
      return jobs.filter((job) => !states || states.includes(job.state));
    },
    schedules: async () => [],
    pauseSchedule: never,
    resumeSchedule: never,
    removeSchedule: never,
    events: ({ signal } = {}) => {
      const stream = new PushStream<JobEvent>(signal);
      for (const event of pending.splice(0)) stream.push(event);
      open.add(stream);
      signal?.addEventListener('abort', () => open.delete(stream), { once: true });
      return stream;
    },
    close: async () => {},
  };
  return {
    client,
    push(...events) {
      if (open.size === 0) pending.push(...events);
      for (const stream of open) for (const event of events) stream.push(event);
    },
  };
}
