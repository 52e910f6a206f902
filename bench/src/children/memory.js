// What a child of the items measure reports of its own process: the peak
// resident set (the kernel's high-water mark, worker threads included) and
// the main thread's heap at the sampled peak, for the analysis.

const MB = 2 ** 20;

/** Samples process.memoryUsage() every `everyMs` until stopped; maxRSS catches any peak between samples. */
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
      const maxRss = process.resourceUsage().maxRSS * 1024;
      return {
        peakRssMb: Math.max(maxRss, peak.rss) / MB,
        heapAtPeakMb: { used: peak.heapUsed / MB, total: peak.heapTotal / MB, external: peak.external / MB },
      };
    },
  };
}
