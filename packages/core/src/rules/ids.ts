// Ids for jobs and schedules, the same on every backend: a prefix that says
// what it names, the creation time (so ids sort by creation, as lists show
// them), and 32 random bits so two processes creating at once do not clash.
import { randomUUID } from 'node:crypto';

/** `j_` names a job (one run), `s_` the schedule of a periodic job. */
export type IdPrefix = 'j_' | 's_';

/** A new id. randomUUID draws from a cached pool: randomBytes was a syscall per job. */
export const newId = (prefix: IdPrefix): string =>
  `${prefix}${Date.now().toString(36)}${randomUUID().slice(0, 8)}`;
