import { type InferSchema, lazySchema, zodSchema } from '@ai-sdk/provider-utils';
import type { EmbeddingTask, ImageSource } from 'jina-clip-runtime';
import { z } from 'zod/v4';

/** The `providerOptions` key this provider reads: `providerOptions: { jinaClip: { ... } }`. */
export const JINA_CLIP_PROVIDER_OPTIONS_KEY = 'jinaClip';

/** An image source as everywhere in jina-clip: a path, a `file:`/`http(s):`/`data:` URL, bytes or a Blob. */
const imageSource = z.custom<ImageSource>(
  (value) =>
    typeof value === 'string' ||
    value instanceof URL ||
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    (typeof Blob !== 'undefined' && value instanceof Blob),
  { message: 'an image must be a path, a URL, bytes (Uint8Array, ArrayBuffer) or a Blob' },
);

/**
 * The provider options of a `JinaClipEmbeddingModel` call, checked with the SDK's own schema
 * helpers (`parseProviderOptions` turns a mismatch into the SDK's `InvalidArgumentError`).
 */
export const jinaClipEmbeddingOptionsSchema = lazySchema(() =>
  zodSchema(
    z.strictObject({
      /**
       * `'retrieval.query'` embeds the values as queries (jina-clip-v2 gets its query
       * instruction; v1 has none); `'retrieval.passage'` or none embeds documents.
       */
      task: z.enum(['retrieval.query', 'retrieval.passage']).optional(),
      /**
       * One entry per value, aligned with `values`: `null` embeds the value as text,
       * `{ image }` embeds that image instead (the value is then only a label).
       */
      content: z.array(z.strictObject({ image: imageSource }).nullable()).optional(),
    }),
  ),
);

/** What `providerOptions.jinaClip` holds, as parsed. */
export type ParsedJinaClipEmbeddingOptions = InferSchema<typeof jinaClipEmbeddingOptionsSchema>;

/**
 * `providerOptions.jinaClip` of an `embed` or `embedMany` call.
 *
 * @example
 * ```ts
 * await embedMany({
 *   model: jinaClip.embeddingModel('jina-clip-v2'),
 *   values: ['a red bus', 'photo of a cat'],
 *   providerOptions: { jinaClip: { content: [null, { image: './cat.jpg' }] } },
 * });
 * ```
 */
export interface JinaClipEmbeddingProviderOptions {
  /**
   * The embedding task: `'retrieval.query'` for search queries (jina-clip-v2 prefixes its query
   * instruction), `'retrieval.passage'` for documents.
   * @default the model's task: 'retrieval.passage', or 'retrieval.query' for `provider.queryModel`
   */
  task?: EmbeddingTask;
  /**
   * Per-value content aligned with `values` (one entry per value): `null` embeds the value as
   * text, `{ image }` embeds the image instead. `providerOptions` is typed as JSON, so a path, a
   * URL string or a `data:` URI type-checks as is; bytes, a `URL` or a `Blob` work too at run
   * time (cast them, or use {@link jinaClipInputs}).
   * @default every value is a text
   */
  content?: Array<{ image: ImageSource } | null>;
}
