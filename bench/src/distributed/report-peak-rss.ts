/**
 * Preloaded (`--import`) into a process whose peak memory the bench reads: prints the kernel's
 * high-water mark (`ru_maxrss`) on stderr as the process exits, however it exits.
 */
process.on('exit', () => {
  process.stderr.write(`peak-rss ${process.resourceUsage().maxRSS * 1024}\n`);
});
