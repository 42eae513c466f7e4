// Compiled in the matrix's projects: the adapter's declarations fit the installed @llamaindex/core.
import { type BaseEmbedding, MultiModalEmbedding } from '@llamaindex/core/embeddings';
import { JinaClipEmbedding } from 'llamaindex-jina-clip';

export const embedding: MultiModalEmbedding = new JinaClipEmbedding({ model: 'jina-clip-v2' });
export const base: BaseEmbedding = embedding;
export const vector: Promise<number[]> = embedding.getTextEmbedding('a red bus');
export const isMultiModal: boolean = embedding instanceof MultiModalEmbedding;
