/**
 * @internal Test helper: runs `run` and returns the process warnings emitted while it ran (and
 * in the turn after it, when `process.emitWarning` delivers them).
 */
export async function captureWarnings(run: () => unknown): Promise<Error[]> {
  const warnings: Error[] = [];
  const listener = (warning: Error) => warnings.push(warning);
  process.on('warning', listener);
  try {
    await run();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return warnings;
}
