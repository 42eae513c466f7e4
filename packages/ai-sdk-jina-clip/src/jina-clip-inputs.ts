import type { SharedV4ProviderOptions } from '@ai-sdk/provider';
import type { EmbeddingInput } from 'jina-clip-runtime';
import type { JinaClipEmbeddingProviderOptions } from './jina-clip-embedding-options.js';

/** What {@link jinaClipInputs} returns: spread it into `embedMany` (or `embed`, one input). */
export interface JinaClipCallInputs {
  /** One string per input: the text, or the image's label (its path or URL, else `image <i>`). */
  values: string[];
  /** `{ jinaClip: { content } }` when an input is an image, else undefined. */
  providerOptions: SharedV4ProviderOptions | undefined;
}

/**
 * Turns mixed inputs (texts, `{ text }`, `{ image }`) into the SDK's `values` and the aligned
 * `providerOptions.jinaClip.content`, so bytes, `URL`s and Blobs need no cast (the SDK types
 * provider options as JSON).
 *
 * @example
 * ```ts
 * const { embeddings } = await embedMany({
 *   model: jinaClip.embeddingModel('jina-clip-v2'),
 *   ...jinaClipInputs(['a red bus', { image: await readFile('cat.jpg') }]),
 * });
 * ```
 */
export function jinaClipInputs(inputs: readonly EmbeddingInput[]): JinaClipCallInputs {
  const content: JinaClipEmbeddingProviderOptions['content'] = [];
  const values = inputs.map((input, index) => {
    if (typeof input === 'string') {
      content.push(null);
      return input;
    }
    if (typeof input === 'object' && input !== null && 'image' in input) {
      content.push({ image: input.image });
      const { image } = input;
      return typeof image === 'string'
        ? image
        : image instanceof URL
          ? image.href
          : `image ${index}`;
    }
    content.push(null);
    return (input as { text: string }).text;
  });
  const hasImage = content.some((entry) => entry !== null);
  return {
    values,
    // The SDK passes provider options through untouched: the sources arrive as given.
    providerOptions: hasImage
      ? ({ jinaClip: { content } } as unknown as SharedV4ProviderOptions)
      : undefined,
  };
}
