// The clock a countdown reads: a tick a second while `ticking`, nothing fetched.
// The one ticker is core's; this is React's view of it.
import { createTicker } from '@threadline/core/client';
import { useSyncExternalStore } from 'react';

const clock = createTicker(1000);
const still = () => () => {};

export function useNow(ticking: boolean): number {
  return useSyncExternalStore(ticking ? clock.subscribe : still, clock.now);
}
