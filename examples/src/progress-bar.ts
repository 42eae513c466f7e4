import { MultiBar, Presets, SingleBar } from 'cli-progress';
import type { DownloadProgress } from 'jina-clip-runtime';

/** A progress bar per model file, shown while the local backend downloads it. */
export function createDownloadProgress(): (progress: DownloadProgress) => void {
  const bars = new MultiBar(
    { format: ' {file} [{bar}] {percentage}% | {value}/{total} MB', hideCursor: true },
    Presets.shades_classic,
  );
  const byFile = new Map<string, ReturnType<MultiBar['create']>>();
  return ({ file, loaded, total }) => {
    const megabytes = (bytes: number) => Math.round(bytes / 1e5) / 10;
    let bar = byFile.get(file);
    if (bar === undefined) {
      bar = bars.create(megabytes(total ?? loaded), 0, { file });
      byFile.set(file, bar);
    }
    bar.update(megabytes(loaded), { file });
    if (total !== undefined && loaded >= total) {
      bar.stop();
      if ([...byFile.values()].every((each) => !each.isActive)) bars.stop();
    }
  };
}

/** A bar counting embedded items. Prints nothing when stdout is not a terminal. */
export function createItemProgress(label: string): SingleBar {
  return new SingleBar(
    { format: ` ${label} [{bar}] {value}/{total} items | {eta_formatted} left`, hideCursor: true },
    Presets.shades_classic,
  );
}

/** A bar counting items with their rate (the `rate` payload, items/s) and the time left. */
export function createRateProgress(label: string): SingleBar {
  return new SingleBar(
    {
      format: ` ${label} [{bar}] {value}/{total} items | {rate} items/s | {eta_formatted} left`,
      hideCursor: true,
    },
    Presets.shades_classic,
  );
}
