/**
 * Peak resident set size of this process: sampled on an interval (what the heap and buffers held while the work ran)
 * and the kernel's high-water mark from getrusage, whichever is larger.
 */
export function trackPeakRss(intervalMs = 25): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      // resourceUsage().maxRSS is in kilobytes.
      return Math.max(peak, process.memoryUsage().rss, process.resourceUsage().maxRSS * 1024);
    },
  };
}

export function mebibytes(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(0)} MiB`;
}
