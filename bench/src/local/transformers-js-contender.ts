import { basename, dirname } from 'node:path';
import type { Tensor } from '@huggingface/transformers';
import { isText, type LocalContender, type LocalSetup } from './local-contender.js';

/**
 * The part of transformers.js the contender uses. 3.x and 4.x (installed as the npm alias
 * `@huggingface/transformers-v4`) export these under the same names and signatures, so one
 * contender measures both; the 3.x types describe them.
 */
export type TransformersLibrary = Pick<
  typeof import('@huggingface/transformers'),
  | 'AutoImageProcessor'
  | 'AutoTokenizer'
  | 'CLIPTextModelWithProjection'
  | 'CLIPVisionModelWithProjection'
  | 'env'
  | 'RawImage'
>;

function rows(tensor: Tensor): Float32Array[] {
  const normalized = tensor.normalize(2, -1);
  const [count, width] = normalized.dims as [number, number];
  const data = normalized.data as Float32Array;
  return Array.from({ length: count }, (_, row) => data.slice(row * width, (row + 1) * width));
}

/**
 * transformers.js (3.8, or 4.x through `library`) used as jina-clip-v1's model card shows: `AutoTokenizer` +
 * `CLIPTextModelWithProjection` for texts, `RawImage.read` + the image processor +
 * `CLIPVisionModelWithProjection` for images, loaded from the same folder with remote models
 * disabled, the same dtype and intra-op threads. A user with a list of inputs embeds it in
 * chunks of `batchSize` in input order (the library does not sort by length), padding each chunk
 * to its longest text, then L2-normalises.
 */
export async function createTransformersJsContender(
  setup: LocalSetup,
  library: TransformersLibrary,
): Promise<LocalContender> {
  const {
    AutoImageProcessor,
    AutoTokenizer,
    CLIPTextModelWithProjection,
    CLIPVisionModelWithProjection,
    env,
    RawImage,
  } = library;
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${dirname(setup.modelPath)}/`;
  const modelId = basename(setup.modelPath);
  const modelOptions = {
    dtype: setup.dtype,
    device: 'cpu',
    session_options: { intraOpNumThreads: setup.threads },
  } as const;
  const tokenizer = setup.modalities.text
    ? await AutoTokenizer.from_pretrained(modelId)
    : undefined;
  const textModel = setup.modalities.text
    ? await CLIPTextModelWithProjection.from_pretrained(modelId, modelOptions)
    : undefined;
  const imageProcessor = setup.modalities.image
    ? await AutoImageProcessor.from_pretrained(modelId)
    : undefined;
  const visionModel = setup.modalities.image
    ? await CLIPVisionModelWithProjection.from_pretrained(modelId, modelOptions)
    : undefined;

  const embedTexts = async (texts: string[]): Promise<Float32Array[]> => {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += setup.batchSize) {
      const inputs = tokenizer!(texts.slice(start, start + setup.batchSize), {
        padding: true,
        truncation: true,
      });
      const { text_embeds } = await textModel!(inputs);
      vectors.push(...rows(text_embeds as Tensor));
    }
    return vectors;
  };
  const embedImages = async (paths: string[]): Promise<Float32Array[]> => {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < paths.length; start += setup.batchSize) {
      const images = await Promise.all(
        paths.slice(start, start + setup.batchSize).map((path) => RawImage.read(path)),
      );
      const inputs = await imageProcessor!(images);
      const { image_embeds } = await visionModel!(inputs);
      vectors.push(...rows(image_embeds as Tensor));
    }
    return vectors;
  };

  return {
    async embed(items) {
      const texts = items.filter(isText).map((item) => item.text);
      const images = items.flatMap((item) => (isText(item) ? [] : [item.image]));
      const textVectors = texts.length > 0 ? await embedTexts(texts) : [];
      const imageVectors = images.length > 0 ? await embedImages(images) : [];
      let nextText = 0;
      let nextImage = 0;
      return items.map((item) =>
        isText(item) ? textVectors[nextText++]! : imageVectors[nextImage++]!,
      );
    },
    async close() {
      await textModel?.dispose();
      await visionModel?.dispose();
    },
  };
}
