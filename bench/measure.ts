/** Runs a piece of work and reports its duration and the process's peak RSS while it ran (sampled every 20 ms). */
export async function measure<T>(work: () => Promise<T>): Promise<{ result: T; seconds: number; peakMb: number; baselineMb: number }> {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const started = performance.now();
  try {
    const result = await work();
    return { result, seconds: (performance.now() - started) / 1000, peakMb: Math.max(peak, process.memoryUsage().rss) / 1e6, baselineMb: baseline / 1e6 };
  } finally {
    clearInterval(sampler);
  }
}
