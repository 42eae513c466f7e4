import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import ort from 'onnxruntime-node';
import sharp from 'sharp';
import { STAND_IN_SUFFIXES } from '../stand-in-models/write-stand-in-repo.js';
import { isText, type LocalContender, type LocalSetup, type WorkItem } from './local-contender.js';

// onnxruntime reads this when a session is created: the floor's bare sessions get the same
// telemetry policy as the runtime's (off unless the environment says otherwise).
process.env.ORT_DISABLE_TELEMETRY ??= '1';

/** One session run prepared in advance, with the call positions of its rows. */
interface PreparedBatch {
  feeds: Record<string, ort.Tensor>;
  output: 'text_embeds' | 'image_embeds';
  positions: number[];
}

const IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073];
const IMAGE_STD = [0.26862954, 0.26130258, 0.27577711];

async function pixelValues(path: string, size: number): Promise<Float32Array> {
  const { data } = await sharp(path)
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .resize(size, size, { fit: 'cover', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const plane = size * size;
  const values = new Float32Array(3 * plane);
  for (let pixel = 0; pixel < plane; pixel++) {
    for (let channel = 0; channel < 3; channel++) {
      values[channel * plane + pixel] =
        (data[pixel * 3 + channel]! / 255 - IMAGE_MEAN[channel]!) / IMAGE_STD[channel]!;
    }
  }
  return values;
}

/**
 * The floor: bare onnxruntime-node sessions on the same files and threads, fed tensors built
 * before the clock starts (texts tokenized, sorted longest first within the call and padded per
 * batch; images decoded and normalised). Only `session.run` is timed: no library can go faster
 * on these graphs, so the other contenders are measured as a fraction of it.
 */
export async function createOnnxruntimeFloorContender(setup: LocalSetup): Promise<LocalContender> {
  const suffix = STAND_IN_SUFFIXES[setup.dtype];
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: setup.threads };
  const textSession = setup.modalities.text
    ? await ort.InferenceSession.create(
        join(setup.modelPath, 'onnx', `text_model${suffix}.onnx`),
        options,
      )
    : undefined;
  const visionSession = setup.modalities.image
    ? await ort.InferenceSession.create(
        join(setup.modelPath, 'onnx', `vision_model${suffix}.onnx`),
        options,
      )
    : undefined;
  const readJson = async (file: string) =>
    JSON.parse(await readFile(join(setup.modelPath, file), 'utf8')) as Record<string, unknown>;
  const tokenizerConfig = await readJson('tokenizer_config.json');
  const tokenizer = new Tokenizer(await readJson('tokenizer.json'), tokenizerConfig);
  const maxTokens = Number(tokenizerConfig.model_max_length);
  const imageSize = Number((await readJson('preprocessor_config.json')).size);
  const prepared: PreparedBatch[][] = [];

  const prepareCall = async (items: readonly WorkItem[]): Promise<PreparedBatch[]> => {
    const batches: PreparedBatch[] = [];
    const texts = items
      .map((item, position) => ({ item, position }))
      .filter((entry): entry is { item: { text: string }; position: number } => isText(entry.item))
      .map(({ item, position }) => ({
        ids: tokenizer.encode(item.text).ids.slice(0, maxTokens),
        position,
      }))
      // Longest first: onnxruntime's arena then grows once, at the first batch.
      .sort((a, b) => b.ids.length - a.ids.length);
    for (let start = 0; start < texts.length; start += setup.batchSize) {
      const batch = texts.slice(start, start + setup.batchSize);
      const length = Math.max(...batch.map((entry) => entry.ids.length));
      const ids = new BigInt64Array(batch.length * length);
      const mask = new BigInt64Array(batch.length * length);
      for (const [row, entry] of batch.entries()) {
        for (const [column, id] of entry.ids.entries()) {
          ids[row * length + column] = BigInt(id);
          mask[row * length + column] = 1n;
        }
      }
      const dims = [batch.length, length];
      const feeds: Record<string, ort.Tensor> = { input_ids: new ort.Tensor('int64', ids, dims) };
      if (textSession?.inputNames.includes('attention_mask')) {
        feeds.attention_mask = new ort.Tensor('int64', mask, dims);
      }
      batches.push({
        feeds,
        output: 'text_embeds',
        positions: batch.map((entry) => entry.position),
      });
    }
    const images = items
      .map((item, position) => ({ item, position }))
      .filter(
        (entry): entry is { item: { image: string }; position: number } => !isText(entry.item),
      );
    for (let start = 0; start < images.length; start += setup.batchSize) {
      const batch = images.slice(start, start + setup.batchSize);
      const pixels = await Promise.all(
        batch.map((entry) => pixelValues(entry.item.image, imageSize)),
      );
      const plane = 3 * imageSize * imageSize;
      const values = new Float32Array(batch.length * plane);
      for (const [row, entryPixels] of pixels.entries()) values.set(entryPixels, row * plane);
      batches.push({
        feeds: {
          pixel_values: new ort.Tensor('float32', values, [batch.length, 3, imageSize, imageSize]),
        },
        output: 'image_embeds',
        positions: batch.map((entry) => entry.position),
      });
    }
    return batches;
  };

  return {
    async prepare(calls) {
      for (const call of calls) prepared.push(await prepareCall(call));
    },
    async embed(items, callIndex) {
      const vectors: Float32Array[] = new Array(items.length);
      for (const batch of prepared[callIndex] ?? []) {
        const session = batch.output === 'text_embeds' ? textSession : visionSession;
        const result = await session!.run(batch.feeds);
        const output = result[batch.output]!;
        const width = output.dims[1]!;
        const data = output.data as Float32Array;
        for (const [row, position] of batch.positions.entries()) {
          vectors[position] = data.slice(row * width, (row + 1) * width);
        }
      }
      return vectors;
    },
    async close() {
      await textSession?.release();
      await visionSession?.release();
    },
  };
}
