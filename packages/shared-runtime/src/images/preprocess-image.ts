import { decodeRgb, type ImageHeader, type PreShrinkSize } from './decode-rgb.js';
import type { ImagePreprocessConfig } from './image-preprocess-config.js';
import { resampleRgbYielding } from './pil-resample.js';
import { planResize, type ResizePlan } from './resize-plan.js';

export { toPixelValues } from './to-pixel-values.js';

/** An image as the model sees it, before scaling and normalisation. */
export interface PreprocessedImage {
  /** `width * height * 3` bytes of RGB, row by row (HWC). */
  data: Uint8Array;
  /** Always `config.size`. */
  width: number;
  /** Always `config.size`. */
  height: number;
  /** Width of the source after EXIF orientation. */
  sourceWidth: number;
  /** Height of the source after EXIF orientation. */
  sourceHeight: number;
}

/** Options of {@link preprocessImage}. */
export interface PreprocessImageOptions {
  /**
   * Always decode at full size and resample exactly as PIL does (bit-identical to the model's
   * Python processor). When false, a JPEG large enough for libjpeg to decode it at 1/2, 1/4 or
   * 1/8 scale while keeping at least {@link PRE_SHRINK_MIN} times its resized size is first
   * reduced by sharp (shrink-on-load, then Lanczos-3; see {@link preShrinkSize}), like Pillow's
   * `draft()`, and only the last step is resampled exactly. Off from PIL by a mean of at most
   * 0.4 levels and at most 6 levels on any pixel (measured on 12 MP, 2 MP and VGA photos at 224
   * and 512 px; budget: mean 0.5, max 10).
   * @default false
   */
  exact?: boolean;
  /** The image's header, when already read (by `admitImage`). @default read here */
  header?: ImageHeader | undefined;
  /** Seconds the decode may take (`imageDecodeTimeout`). @default no limit */
  timeoutSeconds?: number | undefined;
}

/**
 * Size of a pre-shrunk JPEG, as a multiple of its resized size, where libjpeg's scale allows:
 * Pillow's `draft()` to twice the output stays within the fidelity budget, drafting to the
 * output size itself does not.
 */
export const PRE_SHRINK_TO = 2;
/**
 * Smallest size of a pre-shrunk JPEG, as a multiple of its resized size: below
 * {@link PRE_SHRINK_TO} only where that lets libjpeg decode at a smaller scale.
 */
export const PRE_SHRINK_MIN = 1.5;

/**
 * The scale sharp 0.34 lets libjpeg decode at for a resize shrinking by `shrink`
 * (`fastShrinkOnLoad`, pipeline.cc): the largest of 8, 4 and 2 not above `shrink`, halved when
 * `shrink` truncates to it exactly (sharp's guard against libjpeg's rounding). So a shrink of
 * exactly 2 decodes at full size, and 3 at half size.
 */
export function sharpJpegShrinkOnLoad(shrink: number): 1 | 2 | 4 | 8 {
  const scale = shrink >= 8 ? 8 : shrink >= 4 ? 4 : shrink >= 2 ? 2 : 1;
  if (scale > 1 && Math.trunc(shrink) === scale) return (scale / 2) as 1 | 2 | 4;
  return scale;
}

/** The smallest shrink at which sharp lets libjpeg decode at `scale` (see above). */
const SMALLEST_SHRINK = { 2: 3, 4: 5, 8: 9 } as const;

/**
 * The size a `width` x `height` JPEG is pre-shrunk to by sharp before the exact resample to
 * `plan`, or undefined to decode it at full size. The goal is libjpeg's shrink-on-load (decoding
 * at 1/2, 1/4 or 1/8 scale is what makes large photos fast): {@link PRE_SHRINK_TO} times the
 * resized size when sharp decodes that at the smallest scale the budget allows, else the largest
 * size sharp decodes at that scale, at least {@link PRE_SHRINK_MIN} times the resized size; none
 * when no scale below 1 is possible (a Lanczos pass without shrink-on-load costs more than the
 * exact resample it would spare).
 */
export function preShrinkSize(
  width: number,
  height: number,
  plan: Pick<ResizePlan, 'width' | 'height'>,
): PreShrinkSize | undefined {
  const factor = Math.min(width / plan.width, height / plan.height);
  const best = ([8, 4, 2] as const).find(
    (scale) => factor / SMALLEST_SHRINK[scale] >= PRE_SHRINK_MIN,
  );
  if (best === undefined) return undefined;
  if (sharpJpegShrinkOnLoad(factor / PRE_SHRINK_TO) >= best) {
    const scale = PRE_SHRINK_TO / factor;
    return { width: Math.round(width * scale), height: Math.round(height * scale) };
  }
  const shrink = SMALLEST_SHRINK[best];
  return { width: Math.floor(width / shrink), height: Math.floor(height / shrink) };
}

/**
 * Decodes an image and turns it into the model's input pixels exactly as Jina CLIP's Python
 * processor does (PIL + open_clip/torchvision): EXIF orientation, PIL `convert('RGB')`
 * semantics (alpha dropped, grey replicated, palette expanded, CMYK converted naively, ICC
 * profiles ignored), resize per `config.resizeMode` with PIL's resampling, centre crop (or
 * padding with `config.fillColor`). Feed the result to {@link toPixelValues}.
 *
 * @throws {ModelLoadError} when sharp (an optional peer) is not installed.
 * Rejects with sharp's own error when the bytes are not a decodable image; callers wrap it in an
 * `ImageLoadError` naming the input.
 */
export async function preprocessImage(
  bytes: Uint8Array,
  config: ImagePreprocessConfig,
  options: PreprocessImageOptions = {},
): Promise<PreprocessedImage> {
  let plan: ResizePlan | undefined;
  const decoded = await decodeRgb(bytes, {
    header: options.header,
    timeoutSeconds: options.timeoutSeconds,
    preShrink:
      options.exact === true
        ? undefined
        : (width, height) => {
            plan = planResize(width, height, config);
            return preShrinkSize(width, height, plan);
          },
  });
  // The plan always comes from the full-size source, as PIL sees it, even when pre-shrunk.
  plan ??= planResize(decoded.sourceWidth, decoded.sourceHeight, config);
  // Yielding: inline (imageWorkers: 0), a huge image must not stall the event loop.
  const resized = await resampleRgbYielding(
    decoded,
    plan.width,
    plan.height,
    config.interpolation,
    plan.window,
  );
  const { size } = config;
  let data = resized.data;
  if (resized.width !== size || resized.height !== size) {
    data = new Uint8Array(size * size * 3).fill(config.fillColor);
    const rowBytes = resized.width * 3;
    for (let y = 0; y < resized.height; y++) {
      const to = ((plan.padTop + y) * size + plan.padLeft) * 3;
      data.set(resized.data.subarray(y * rowBytes, (y + 1) * rowBytes), to);
    }
  }
  return {
    data,
    width: size,
    height: size,
    sourceWidth: decoded.sourceWidth,
    sourceHeight: decoded.sourceHeight,
  };
}
