import { ModelLoadError } from '../errors/model-load-error.js';
import type { ModelInfo } from '../models/model-info.js';

/**
 * How an image becomes the model's input, as the model's `preprocessor_config.json` describes it
 * (open_clip's `image_transform` as Jina CLIP's Python processor runs it).
 */
export interface ImagePreprocessConfig {
  /** Side of the square input, in pixels (224 for jina-clip-v1, 512 for jina-clip-v2). */
  size: number;
  /**
   * `'shortest'`: shortest side resized to `size`, then a centre crop; `'squash'`: resized to
   * `size` x `size` ignoring the aspect ratio; `'longest'`: longest side resized to `size`, then
   * padded with `fillColor` to a square.
   * @default 'shortest'
   */
  resizeMode: 'shortest' | 'squash' | 'longest';
  /** Resampling filter, computed as PIL computes it. @default 'bicubic' */
  interpolation: 'bicubic' | 'bilinear' | 'nearest';
  /** Grey level (0-255) of the padding in `'longest'` mode. @default 0 */
  fillColor: number;
  /** Per-channel (RGB) mean subtracted after rescaling. @default CLIP's [0.48145466, 0.4578275, 0.40821073] */
  mean: readonly [number, number, number];
  /** Per-channel (RGB) standard deviation divided by. @default CLIP's [0.26862954, 0.26130258, 0.27577711] */
  std: readonly [number, number, number];
  /** Factor from 0-255 pixel values to the model's range. @default 1 / 255 */
  rescaleFactor: number;
}

/** The normalisation CLIP (and Jina CLIP) was trained with (open_clip `OPENAI_DATASET_MEAN/STD`). */
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

/** PIL's resampling constants, as Hugging Face image processors store them (`resample`). */
const PIL_RESAMPLE = { 0: 'nearest', 2: 'bilinear', 3: 'bicubic' } as const;

const RESIZE_MODES = ['shortest', 'squash', 'longest'] as const;
const INTERPOLATIONS = ['bicubic', 'bilinear', 'nearest'] as const;

const FILE = 'preprocessor_config.json';

function invalid(field: string, expected: string, value: unknown): ModelLoadError {
  return new ModelLoadError(
    `${FILE}: "${field}" must be ${expected}, got ${JSON.stringify(value) ?? String(value)}.`,
    { file: FILE },
  );
}

function positiveInteger(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw invalid(field, 'a positive integer', value);
  }
  return value;
}

/** `size` as a number, or an object with `shortest_edge` or equal `height` and `width`. */
function readSize(field: string, value: unknown): number {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { shortest_edge, height, width } = value as Record<string, unknown>;
    if (shortest_edge !== undefined)
      return positiveInteger(`${field}.shortest_edge`, shortest_edge);
    if (height !== undefined && height === width) return positiveInteger(`${field}.height`, height);
    throw invalid(field, 'a number, { shortest_edge } or a square { height, width }', value);
  }
  if (Array.isArray(value) && value.length === 2 && value[0] === value[1]) {
    return positiveInteger(field, value[0]);
  }
  return positiveInteger(field, value);
}

function readTriple(
  field: string,
  value: unknown,
  fallback: readonly [number, number, number],
  positive: boolean,
): readonly [number, number, number] {
  if (value === undefined || value === null) return fallback;
  const triple = typeof value === 'number' ? [value, value, value] : value;
  if (
    !Array.isArray(triple) ||
    triple.length !== 3 ||
    !triple.every(
      (item) => typeof item === 'number' && Number.isFinite(item) && (!positive || item > 0),
    )
  ) {
    throw invalid(field, `three ${positive ? 'positive ' : ''}numbers`, value);
  }
  return [triple[0], triple[1], triple[2]];
}

/**
 * Reads a Hub repository's `preprocessor_config.json`: Jina CLIP's own (`size`, `resize_mode`,
 * `interpolation`, `fill_color`, `mean`, `std`) or a Hugging Face `CLIPImageProcessor`'s
 * (`size: { shortest_edge }`, `crop_size`, `resample`, `image_mean`, `image_std`,
 * `rescale_factor`, `do_rescale`, `do_normalize`). Missing fields take the CLIP defaults of
 * {@link ImagePreprocessConfig}; `max_size` is ignored, as Jina CLIP's processor ignores it.
 *
 * @throws {ModelLoadError} (`file: 'preprocessor_config.json'`) naming the field that is invalid,
 * or a resize-then-crop to two different sizes, which this pipeline does not implement.
 */
export function parsePreprocessorConfig(json: unknown): ImagePreprocessConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelLoadError(`${FILE} must hold a JSON object.`, { file: FILE });
  }
  const config = json as Record<string, unknown>;
  const cropSize =
    config['crop_size'] === undefined || config['do_center_crop'] === false
      ? undefined
      : readSize('crop_size', config['crop_size']);
  const size = config['size'] === undefined ? cropSize : readSize('size', config['size']);
  if (size === undefined) throw invalid('size', 'present', undefined);
  if (cropSize !== undefined && size !== cropSize) {
    throw new ModelLoadError(
      `${FILE}: resizing to ${size} px then cropping to ${cropSize} px is not supported; only a resize and crop to one size is.`,
      { file: FILE },
    );
  }

  const resizeMode = config['resize_mode'] ?? 'shortest';
  if (!RESIZE_MODES.includes(resizeMode as never)) {
    throw invalid('resize_mode', `one of ${RESIZE_MODES.join(', ')}`, resizeMode);
  }

  let interpolation: unknown = config['interpolation'];
  if (interpolation === undefined && config['resample'] !== undefined) {
    interpolation = PIL_RESAMPLE[config['resample'] as keyof typeof PIL_RESAMPLE];
    if (interpolation === undefined) {
      throw invalid(
        'resample',
        'a PIL filter 0 (nearest), 2 (bilinear) or 3 (bicubic)',
        config['resample'],
      );
    }
  }
  interpolation ??= 'bicubic';
  if (!INTERPOLATIONS.includes(interpolation as never)) {
    throw invalid('interpolation', `one of ${INTERPOLATIONS.join(', ')}`, interpolation);
  }

  const fillColor = config['fill_color'] ?? 0;
  if (
    typeof fillColor !== 'number' ||
    !Number.isInteger(fillColor) ||
    fillColor < 0 ||
    fillColor > 255
  ) {
    throw invalid('fill_color', 'an integer from 0 to 255', fillColor);
  }

  const normalize = config['do_normalize'] !== false;
  const meanField = config['mean'] !== undefined ? 'mean' : 'image_mean';
  const stdField = config['std'] !== undefined ? 'std' : 'image_std';
  const mean = normalize
    ? readTriple(meanField, config[meanField], CLIP_MEAN, false)
    : ([0, 0, 0] as const);
  const std = normalize
    ? readTriple(stdField, config[stdField], CLIP_STD, true)
    : ([1, 1, 1] as const);

  const rescale = config['rescale_factor'] ?? 1 / 255;
  if (typeof rescale !== 'number' || !Number.isFinite(rescale) || rescale <= 0) {
    throw invalid('rescale_factor', 'a positive number', rescale);
  }
  const rescaleFactor = config['do_rescale'] === false ? 1 : rescale;

  return {
    size,
    resizeMode: resizeMode as ImagePreprocessConfig['resizeMode'],
    interpolation: interpolation as ImagePreprocessConfig['interpolation'],
    fillColor,
    mean,
    std,
    rescaleFactor,
  };
}

/**
 * The preprocessing of a Jina CLIP model when its repository's `preprocessor_config.json` is not
 * at hand: CLIP mean and std, shortest-side resize, bicubic, centre crop to `model.imageSize`.
 */
export function defaultPreprocessConfig(model: ModelInfo): ImagePreprocessConfig {
  return {
    size: model.imageSize,
    resizeMode: 'shortest',
    interpolation: 'bicubic',
    fillColor: 0,
    mean: CLIP_MEAN,
    std: CLIP_STD,
    rescaleFactor: 1 / 255,
  };
}
