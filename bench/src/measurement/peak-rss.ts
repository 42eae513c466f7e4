/**
 * The process's peak resident set size in bytes, as the kernel keeps it (`ru_maxrss`): the true
 * high-water mark, not a sample, which is why each contender runs in a process of its own.
 */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
