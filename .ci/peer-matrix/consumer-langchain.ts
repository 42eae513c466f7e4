// Compiled in the matrix's projects: the adapter's declarations fit the installed @langchain/core.
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { JinaClipEmbeddings } from 'langchain-jina-clip';

export const embeddings: EmbeddingsInterface = new JinaClipEmbeddings({ model: 'jina-clip-v2' });
export const vectors: Promise<number[][]> = embeddings.embedDocuments(['a red bus']);
