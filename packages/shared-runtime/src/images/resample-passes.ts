import type { PassCoefficients } from './resample-coefficients.js';

/** An 8-bit RGB image: `data` holds `width * height * 3` bytes, row by row. */
export interface RgbImage {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/**
 * The two passes of one Pillow resize, as `resampleRgb` plans them: horizontal over the source
 * rows `firstRow .. firstRow + rows - 1` (only those the vertical pass reads), then vertical over
 * the result. At least one pass is present.
 */
export interface ResamplePasses {
  /** The horizontal pass, or undefined when the width does not change. */
  readonly horizontal: PassCoefficients | undefined;
  /** The vertical pass, or undefined when the height does not change. */
  readonly vertical: PassCoefficients | undefined;
  /** First source row the horizontal pass reads (and the vertical pass's row offset). */
  readonly firstRow: number;
  /** Number of source rows the horizontal pass reads. */
  readonly rows: number;
  /** First source column the vertical pass reads when there is no horizontal pass. */
  readonly firstColumn: number;
  /** Width of the result in pixels. */
  readonly width: number;
}

/** Runs the passes over `source` and returns a new image (never a view of shared memory). */
export type RunResamplePasses = (source: RgbImage, passes: ResamplePasses) => RgbImage;
