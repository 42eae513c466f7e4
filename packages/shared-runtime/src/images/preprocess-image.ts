import { decodeRgb, type PreShrinkSize } from './decode-rgb.js';
import type { ImagePreprocessConfig } from './image-preprocess-config.js';
import { resampleRgb } from './pil-resample.js';
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
   * Python processor). When false, a JPEG at least {@link PRE_SHRINK_FROM} times larger than its
   * resized size is first reduced by sharp to {@link PRE_SHRINK_TO} times that size (libjpeg
   * shrink-on-load where libvips can use it, then Lanczos-3), like Pillow's `draft()`, and only
   * that last step is resampled exactly: a 4000x3000 photo to 512 px then takes about a third of
   * the time. Off from PIL by a mean of at most 0.3 levels and at most 6 levels on any pixel
   * (measured on 12 MP, 2 MP and VGA photos at 224 and 512 px; budget: mean 0.5, max 10).
   * @default false
   */
  exact?: boolean;
}

/**
 * Downscale factor from which a JPEG is pre-shrunk (unless `exact`). Below 3, the Lanczos pass to
 * twice the output would shrink the image too little to pay for itself.
 */
export const PRE_SHRINK_FROM = 3;
/**
 * Size of a pre-shrunk JPEG, as a multiple of its resized size: Pillow's `draft()` to twice the
 * output stays within the fidelity budget, drafting to the output size itself does not.
 */
export const PRE_SHRINK_TO = 2;

function preShrinkSize(width: number, height: number, plan: ResizePlan): PreShrinkSize | undefined {
  const factor = Math.min(width / plan.width, height / plan.height);
  if (factor < PRE_SHRINK_FROM) return undefined;
  const scale = PRE_SHRINK_TO / factor;
  return { width: Math.round(width * scale), height: Math.round(height * scale) };
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
  const resized = resampleRgb(decoded, plan.width, plan.height, config.interpolation, plan.window);
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
