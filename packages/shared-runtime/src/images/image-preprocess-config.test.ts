import { describe, expect, it } from 'vitest';
import { ModelLoadError } from '../errors/model-load-error.js';
import { MODELS } from '../models/models.js';
import { defaultPreprocessConfig, parsePreprocessorConfig } from './image-preprocess-config.js';

const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

function parseError(json: unknown): ModelLoadError {
  try {
    parsePreprocessorConfig(json);
  } catch (error) {
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as ModelLoadError).file).toBe('preprocessor_config.json');
    return error as ModelLoadError;
  }
  throw new Error('expected a ModelLoadError');
}

describe('parsePreprocessorConfig', () => {
  it("reads jina-clip's preprocessor_config.json", () => {
    expect(
      parsePreprocessorConfig({
        fill_color: 0,
        image_processor_type: 'JinaCLIPImageProcessor',
        interpolation: 'bicubic',
        max_size: null,
        mean: CLIP_MEAN,
        resize_mode: 'shortest',
        size: 512,
        std: CLIP_STD,
      }),
    ).toEqual({
      size: 512,
      resizeMode: 'shortest',
      interpolation: 'bicubic',
      fillColor: 0,
      mean: CLIP_MEAN,
      std: CLIP_STD,
      rescaleFactor: 1 / 255,
    });
  });

  it('reads every field of the Jina format', () => {
    expect(
      parsePreprocessorConfig({
        size: [336, 336],
        resize_mode: 'longest',
        interpolation: 'bilinear',
        fill_color: 128,
        mean: 0.5,
        std: [0.1, 0.2, 0.3],
      }),
    ).toEqual({
      size: 336,
      resizeMode: 'longest',
      interpolation: 'bilinear',
      fillColor: 128,
      mean: [0.5, 0.5, 0.5],
      std: [0.1, 0.2, 0.3],
      rescaleFactor: 1 / 255,
    });
  });

  it("reads a Hugging Face CLIPImageProcessor's config", () => {
    expect(
      parsePreprocessorConfig({
        crop_size: { height: 224, width: 224 },
        do_center_crop: true,
        do_normalize: true,
        do_rescale: true,
        do_resize: true,
        image_mean: [0.5, 0.4, 0.3],
        image_processor_type: 'CLIPImageProcessor',
        image_std: [0.2, 0.3, 0.4],
        resample: 2,
        rescale_factor: 0.00392156862745098,
        size: { shortest_edge: 224 },
      }),
    ).toEqual({
      size: 224,
      resizeMode: 'shortest',
      interpolation: 'bilinear',
      fillColor: 0,
      mean: [0.5, 0.4, 0.3],
      std: [0.2, 0.3, 0.4],
      rescaleFactor: 0.00392156862745098,
    });
  });

  it('turns do_rescale and do_normalize off as identity steps', () => {
    expect(
      parsePreprocessorConfig({ size: 8, do_rescale: false, do_normalize: false, resample: 0 }),
    ).toMatchObject({
      interpolation: 'nearest',
      mean: [0, 0, 0],
      std: [1, 1, 1],
      rescaleFactor: 1,
    });
  });

  it.each([
    [null, 'preprocessor_config.json must hold a JSON object.'],
    [{}, 'preprocessor_config.json: "size" must be present, got undefined.'],
    [{ size: -1 }, 'preprocessor_config.json: "size" must be a positive integer, got -1.'],
    [
      { size: { height: 224, width: 300 } },
      'preprocessor_config.json: "size" must be a number, { shortest_edge } or a square { height, width }, got {"height":224,"width":300}.',
    ],
    [
      { size: { shortest_edge: 256 }, crop_size: { height: 224, width: 224 } },
      'preprocessor_config.json: resizing to 256 px then cropping to 224 px is not supported; only a resize and crop to one size is.',
    ],
    [
      { size: 224, resize_mode: 'fit' },
      'preprocessor_config.json: "resize_mode" must be one of shortest, squash, longest, got "fit".',
    ],
    [
      { size: 224, interpolation: 'lanczos' },
      'preprocessor_config.json: "interpolation" must be one of bicubic, bilinear, nearest, got "lanczos".',
    ],
    [
      { size: 224, resample: 1 },
      'preprocessor_config.json: "resample" must be a PIL filter 0 (nearest), 2 (bilinear) or 3 (bicubic), got 1.',
    ],
    [
      { size: 224, fill_color: 300 },
      'preprocessor_config.json: "fill_color" must be an integer from 0 to 255, got 300.',
    ],
    [
      { size: 224, mean: [1, 2] },
      'preprocessor_config.json: "mean" must be three numbers, got [1,2].',
    ],
    [
      { size: 224, image_std: [1, 0, 1] },
      'preprocessor_config.json: "image_std" must be three positive numbers, got [1,0,1].',
    ],
    [
      { size: 224, rescale_factor: '1/255' },
      'preprocessor_config.json: "rescale_factor" must be a positive number, got "1/255".',
    ],
  ])('rejects %j', (json, message) => {
    expect(parseError(json).message).toBe(message);
  });
});

describe('defaultPreprocessConfig', () => {
  it('is CLIP normalisation, shortest side, bicubic, at the model image size', () => {
    expect(defaultPreprocessConfig(MODELS['jina-clip-v1'])).toEqual({
      size: 224,
      resizeMode: 'shortest',
      interpolation: 'bicubic',
      fillColor: 0,
      mean: CLIP_MEAN,
      std: CLIP_STD,
      rescaleFactor: 1 / 255,
    });
    expect(defaultPreprocessConfig(MODELS['jina-clip-v2']).size).toBe(512);
  });
});
