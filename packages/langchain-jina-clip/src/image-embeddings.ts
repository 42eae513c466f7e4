import type { VectorStoreInterface } from '@langchain/core/vectorstores';
import { InvalidInputError } from 'jina-clip-runtime';
import type { JinaClipEmbeddings } from './jina-clip-embeddings.js';

/** The image methods {@link addImages} and `JinaClipRetriever` need of a store's embeddings. */
export type ImageEmbeddings = Pick<
  JinaClipEmbeddings,
  'embedImages' | 'embedImageQuery' | 'embedQuery'
> &
  Partial<Pick<JinaClipEmbeddings, 'embedImagesSettled'>>;

/**
 * The store's embeddings, checked to embed images (a `JinaClipEmbeddings`, or any copy of it:
 * checked by its methods, not `instanceof`). Throws {@link InvalidInputError} naming `field`.
 */
export function imageEmbeddingsOf(store: VectorStoreInterface, field: string): ImageEmbeddings {
  const embeddings = (store as Partial<VectorStoreInterface> | undefined)?.embeddings as
    | Partial<ImageEmbeddings>
    | undefined;
  if (
    typeof embeddings?.embedImages !== 'function' ||
    typeof embeddings.embedImageQuery !== 'function' ||
    typeof embeddings.embedQuery !== 'function'
  ) {
    throw new InvalidInputError(
      `\`${field}\` must be a vector store whose embeddings are a JinaClipEmbeddings (they embed images).`,
      { field },
    );
  }
  return embeddings as ImageEmbeddings;
}
