// The time the calling thread spent on a CPU, in ms, from Linux's
// /proc/thread-self/schedstat (nanoseconds). On a shared machine wall time
// counts every other process's turn too; on-CPU time of this thread does not.
// Falls back to wall time where the file is missing.
import { readFileSync } from 'node:fs';

const SCHEDSTAT = '/proc/thread-self/schedstat';

function readCpuMs() {
  return Number(readFileSync(SCHEDSTAT, 'latin1').split(' ', 1)[0]) / 1e6;
}

let available = false;
try {
  available = Number.isFinite(readCpuMs());
} catch {
  available = false;
}

/** 'thread CPU' or 'wall': which clock `now` reads. */
export const clockName = available ? 'thread CPU' : 'wall';

export const now = available ? readCpuMs : () => performance.now();
