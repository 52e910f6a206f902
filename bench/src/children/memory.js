// What a child of the items measure reports of its own process: the peak
// resident set (worker threads included) and the main thread's heap at the
// sampled peak, for the analysis.
import { readFileSync } from 'node:fs';

const MB = 2 ** 20;

/**
 * The kernel's high-water mark of this process's resident set (VmHWM), which exec resets. Not
 * resourceUsage().maxRSS: Linux carries that over from the parent that forked us (the bench, at
 * 300 MB by measure 10, read as every child's peak).
 */
function highWaterMark() {
  try {
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Samples process.memoryUsage() every `everyMs` until stopped; VmHWM catches any peak between samples. */
export function watchMemory(everyMs = 10) {
  let peak = process.memoryUsage();
  const timer = setInterval(() => {
    const now = process.memoryUsage();
    if (now.rss > peak.rss) peak = now;
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return {
        peakRssMb: Math.max(highWaterMark(), peak.rss) / MB,
        heapAtPeakMb: { used: peak.heapUsed / MB, total: peak.heapTotal / MB, external: peak.external / MB },
      };
    },
  };
}
