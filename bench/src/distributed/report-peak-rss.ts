/**
 * Preloaded (`--import`) into a process whose peak memory the bench reads: prints its high-water
 * mark on stderr as the process exits, however it exits. On Linux from `VmHWM`, which is the new
 * program's own: `ru_maxrss` survives `execve`, so a child spawned by a large parent (libuv forks,
 * then execs) would report the parent's size.
 */
import { readFileSync } from 'node:fs';

function peakBytes(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kib !== undefined) return Number(kib) * 1024;
  } catch {
    // Not Linux: the kernel's rusage instead.
  }
  return process.resourceUsage().maxRSS * 1024;
}

process.on('exit', () => {
  process.stderr.write(`peak-rss ${peakBytes()}\n`);
});
