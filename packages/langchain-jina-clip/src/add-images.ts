import { Document } from '@langchain/core/documents';
import type { VectorStoreInterface } from '@langchain/core/vectorstores';
import { type ImageSource, InvalidInputError, type JinaClipError } from 'jina-clip-runtime';
import { imageEmbeddingsOf } from './image-embeddings.js';

/** Options of {@link addImages}: what each image's `Document` holds, by position. */
export interface AddImagesOptions {
  /** Metadata of each image's `Document`, one per image. @default `{}` for every image */
  metadatas?: Record<string, unknown>[];
  /**
   * Ids of the stored documents, one per image: set as each `Document`'s `id` and passed as
   * `addVectors`' `ids`, for the stores that take them.
   * @default the store's own ids
   */
  ids?: string[];
  /**
   * `pageContent` of each image's `Document`, one per image (a caption, say).
   * @default the image's path or URL when it is given as one (a `data:` URI, bytes or a Blob get `''`)
   */
  pageContents?: string[];
  /** Cancels the embedding call; it rejects with the signal's own reason and nothing is stored. */
  signal?: AbortSignal;
  /**
   * Keeps the good images of a batch with bad ones: when given, the images are embedded with
   * `embedImagesSettled`, every image that embedded is stored, and this is called once per image
   * that did not (with its typed error and its position in `images`), instead of the whole call
   * rejecting and nothing being stored.
   * @default undefined (all or nothing: one bad image rejects the call and nothing is stored)
   */
  onImageError?: (error: JinaClipError, index: number) => void;
}

/** What an image's `Document` says by default: its path or URL, never a `data:` URI's bytes. */
function defaultPageContent(image: ImageSource): string {
  const text = image instanceof URL ? image.href : typeof image === 'string' ? image : '';
  return text.startsWith('data:') ? '' : text;
}

/** Checks that `values`, when given, is an array with one entry per image. */
function checkPerImage(values: unknown, field: string, count: number): void {
  if (values === undefined) return;
  if (!Array.isArray(values) || values.length !== count) {
    throw new InvalidInputError(
      `\`${field}\` must be an array with one entry per image (${count}), got ${Array.isArray(values) ? `${values.length} entries` : typeof values}.`,
      { field },
    );
  }
}

/**
 * Adds images to any LangChain vector store in one call, as `addDocuments` adds texts: embeds
 * them as documents with the store's {@link JinaClipEmbeddings} (`store.embeddings`) and calls
 * `store.addVectors` with one `Document` per image. Every option is checked before anything is
 * embedded. Returns the ids `addVectors` returns, or undefined for stores that return none.
 * With `onImageError`, a bad image is reported and skipped and the others are stored.
 *
 * @example
 * ```ts
 * const store = new MemoryVectorStore(new JinaClipEmbeddings({ model: 'jina-clip-v2' }));
 * await addImages(store, ['./photos/bus.jpg'], { metadatas: [{ kind: 'image' }] });
 * ```
 */
export async function addImages(
  store: VectorStoreInterface,
  images: ImageSource[],
  options: AddImagesOptions = {},
): Promise<string[] | undefined> {
  const embeddings = imageEmbeddingsOf(store, 'store');
  if (!Array.isArray(images)) {
    throw new InvalidInputError('`images` must be an array.', { field: 'images' });
  }
  const { metadatas, ids, pageContents, signal, onImageError } = options;
  if (onImageError !== undefined && typeof onImageError !== 'function') {
    throw new InvalidInputError('`onImageError` must be a function.', { field: 'onImageError' });
  }
  checkPerImage(metadatas, 'metadatas', images.length);
  checkPerImage(ids, 'ids', images.length);
  checkPerImage(pageContents, 'pageContents', images.length);
  const documents = images.map(
    (image, index) =>
      new Document({
        pageContent: pageContents?.[index] ?? defaultPageContent(image),
        metadata: { ...metadatas?.[index] },
        id: ids?.[index],
      }),
  );
  if (onImageError === undefined) {
    const vectors = await embeddings.embedImages(images, { signal });
    const added = await store.addVectors(
      vectors,
      documents,
      ids === undefined ? undefined : { ids },
    );
    return Array.isArray(added) ? added : undefined;
  }
  if (typeof embeddings.embedImagesSettled !== 'function') {
    throw new InvalidInputError(
      "`onImageError` needs a JinaClipEmbeddings with embedImagesSettled as the store's embeddings.",
      { field: 'onImageError' },
    );
  }
  const outcomes = await embeddings.embedImagesSettled(images, { signal });
  const kept: number[] = [];
  const vectors: number[][] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === 'fulfilled') {
      kept.push(index);
      vectors.push(outcome.embedding);
    } else {
      onImageError(outcome.error, index);
    }
  }
  if (kept.length === 0) return [];
  const keptIds = ids === undefined ? undefined : kept.map((index) => ids[index]!);
  const added = await store.addVectors(
    vectors,
    kept.map((index) => documents[index]!),
    keptIds === undefined ? undefined : { ids: keptIds },
  );
  return Array.isArray(added) ? added : undefined;
}
