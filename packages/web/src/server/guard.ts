// The JobClient the web server exposes: the engine, less what a web request
// must not do. Only registered jobs may start (the engine would also import
// any module by path: remote code execution), and only on allowed paths.
import { type JobClient, NotFoundError, parseDuration, ValidationError } from '@threadline/core';
import { didYouMean } from '@threadline/core/internal';
import type { PathPolicy } from './paths.js';

/** `minEveryMs`: the shortest schedule a request may start (`every: "10ms"` was ~100 jobs/s). */
export function guardClient(
  client: JobClient,
  policy: PathPolicy,
  { minEveryMs }: { minEveryMs: number },
): JobClient {
  // The names a server serves do not change while it runs; asking for them per start loaded every
  // definition (and, over BullMQ, asked Redis for its workers) each time.
  let names: Promise<string[]> | undefined;
  const known = () => {
    names ??= client.definitions().then((definitions) => definitions.map((d) => d.name).sort());
    names.catch(() => {
      names = undefined;
    });
    return names;
  };
  return {
    definitions: () => client.definitions(),
    async start(name, input, options) {
      const jobs = await known();
      if (!jobs.includes(name)) {
        throw new NotFoundError(
          `unknown job "${name}"${didYouMean(name, jobs)}${jobs.length ? `; known jobs: ${jobs.join(', ')}` : ''}`,
        );
      }
      if (options?.every !== undefined && parseDuration(options.every) < minEveryMs) {
        throw new ValidationError(
          `every: "${options.every}" is too often: schedules started over the network run at most every ${minEveryMs / 1000}s`,
          [{ path: 'every', message: `at least ${minEveryMs / 1000}s` }],
        );
      }
      // The real paths it was checked at: a folder swapped for a link after the check is not followed.
      return client.start(name, (await policy.resolve(input)) as typeof input, options);
    },
    cancel: (id, options) => client.cancel(id, options),
    // The input was checked when the job started, maybe by a server allowing other folders.
    async resume(id) {
      const job = await client.get(id);
      if (job) await policy.check(job.input);
      return client.resume(id);
    },
    get: (id) => client.get(id),
    details: (id) => client.details(id),
    list: (filter) => client.list(filter),
    // Finding and deleting touch no path: the backend's own, when it has them.
    ...(client.find ? { find: client.find.bind(client) } : {}),
    ...(client.delete ? { delete: client.delete.bind(client) } : {}),
    ...(client.clearFinished ? { clearFinished: client.clearFinished.bind(client) } : {}),
    ...(client.items ? { items: client.items.bind(client) } : {}),
    ...(client.timeline ? { timeline: client.timeline.bind(client) } : {}),
    ...(client.workers ? { workers: client.workers.bind(client) } : {}),
    events: (options) => client.events(options),
    // A schedule's runs take the input its start was checked with; these only list and stop them.
    schedules: () => client.schedules(),
    pauseSchedule: (id) => client.pauseSchedule(id),
    resumeSchedule: (id) => client.resumeSchedule(id),
    removeSchedule: (id) => client.removeSchedule(id),
    close: () => client.close(),
  };
}
