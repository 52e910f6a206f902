// A stopping worker's last word on work it still holds past its drain: the
// BullMQ job goes back to wait at once, where another worker takes it, rather
// than staying active until its lock expires and a stall check moves it.
import { type Job, WaitingError } from 'bullmq';

/** Moves `bjob` (held with `token`) back to wait, and tells BullMQ so: it must not complete or fail it. */
export async function handBack(bjob: Job, token: string | undefined): Promise<never> {
  // A lost lock or Redis away: it stays active, and stalls back to wait the slow way.
  await bjob.moveToWait(token).catch(() => {});
  throw new WaitingError();
}
