import type { ImagePreprocessConfig } from './image-preprocess-config.js';
import type { ResampleWindow } from './pil-resample.js';

/**
 * Where the source goes in the `size` x `size` input: resized to `width` x `height`, of which
 * `window` is kept, placed at (`padLeft`, `padTop`) on a canvas of the fill colour.
 */
export interface ResizePlan {
  readonly width: number;
  readonly height: number;
  readonly window: ResampleWindow;
  readonly padLeft: number;
  readonly padTop: number;
}

/** Python 3's `round()`: halves go to the even neighbour. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * The resize and crop (or pad) of open_clip's `image_transform` for an image of
 * `sourceWidth` x `sourceHeight`, computed with torchvision's and open_clip's own arithmetic:
 * - `shortest`: `Resize(size)` (`_compute_resized_output_size`: the long side is
 *   `int(size * long / short)`) then `CenterCrop(size)` (offsets `int(round((h - size) / 2))`);
 * - `squash`: `Resize((size, size))`;
 * - `longest`: `ResizeKeepRatio(size, longest=1)` (each side `round(side / ratio)`) then
 *   `CenterCropOrPad(size)` (padding `(size - side) // 2` on the left and top).
 */
export function planResize(
  sourceWidth: number,
  sourceHeight: number,
  config: Pick<ImagePreprocessConfig, 'size' | 'resizeMode'>,
): ResizePlan {
  const { size } = config;
  const full = (width: number, height: number): ResizePlan => ({
    width,
    height,
    window: { left: 0, top: 0, width, height },
    padLeft: Math.floor((size - width) / 2),
    padTop: Math.floor((size - height) / 2),
  });
  switch (config.resizeMode) {
    case 'squash':
      return full(size, size);
    case 'longest': {
      const ratio = Math.max(sourceHeight / size, sourceWidth / size);
      const width = Math.max(1, Math.min(size, roundHalfEven(sourceWidth / ratio)));
      const height = Math.max(1, Math.min(size, roundHalfEven(sourceHeight / ratio)));
      return full(width, height);
    }
    case 'shortest': {
      const portrait = sourceWidth <= sourceHeight;
      const short = portrait ? sourceWidth : sourceHeight;
      const long = portrait ? sourceHeight : sourceWidth;
      const newLong = Math.trunc((size * long) / short);
      const width = portrait ? size : newLong;
      const height = portrait ? newLong : size;
      return {
        width,
        height,
        window: {
          left: roundHalfEven((width - size) / 2),
          top: roundHalfEven((height - size) / 2),
          width: size,
          height: size,
        },
        padLeft: 0,
        padTop: 0,
      };
    }
  }
}
