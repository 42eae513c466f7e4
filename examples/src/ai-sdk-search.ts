/**
 * The Vercel AI SDK's way: `embedMany` over a folder of images and captions (one call, texts and
 * images mixed, images per value in `providerOptions.jinaClip.content`) into an embedded LanceDB
 * table, then a text query (`queryModel`: jina-clip-v2's query instruction) and an image query
 * (the folder's first image, which must find itself first).
 *
 *   npm run ai-sdk --workspace examples [-- <folder> [text query]]
 */
import { join } from 'node:path';
import { connect } from '@lancedb/lancedb';
import { cosineSimilarity, embed, embedMany } from 'ai';
import {
  createJinaClip,
  type JinaClipProviderSettings,
  jinaClipInputs,
} from 'jina-clip-ai-provider';
import { readDataFolder, SAMPLE_DATA } from './data-folder.js';
import { describeBackend, embeddingsOptionsFromEnvironment } from './embeddings-options.js';
import { tinyModelNotice } from './model-notice.js';

const [folder = SAMPLE_DATA, query = 'a cat looking up'] = process.argv.slice(2);
const databaseDirectory = process.env.JINA_CLIP_LANCEDB ?? join(process.cwd(), '.lancedb');
const options = embeddingsOptionsFromEnvironment();
console.log(`Embedding with the ${describeBackend(options)}`);
// The provider names its model per call (`embeddingModel(modelId)`), not among its options.
const { model: modelId = 'jina-clip-v1', ...settings } = options;

const jinaClip = createJinaClip(settings as JinaClipProviderSettings);
try {
  const items = await readDataFolder(folder);
  // Captions as texts, images by path: one embedMany call, the content aligned with the values.
  const { embeddings, usage } = await embedMany({
    model: jinaClip.embeddingModel(modelId),
    ...jinaClipInputs(
      items.map((item) => (item.kind === 'text' ? item.text : { image: item.path })),
    ),
  });
  const rows = items.map((item, index) => ({
    vector: embeddings[index]!,
    id: item.id,
    kind: item.kind,
  }));
  const database = await connect(databaseDirectory);
  const table = await database.createTable('ai-sdk', rows, { mode: 'overwrite' });
  console.log(`Indexed ${items.length} files with embedMany (${usage.tokens} tokens) into LanceDB`);
  const notice = tinyModelNotice({ model: { id: modelId, dimensions: embeddings[0]!.length } });
  if (notice !== undefined) console.log(notice);

  /** The table's nearest rows to a vector (L2 on unit vectors: cosine order), with the cosine. */
  const search = async (vector: number[]) => {
    const found = (await table.search(vector).limit(3).toArray()) as Array<{
      id: string;
      kind: string;
      vector: ArrayLike<number>;
    }>;
    return found.map((row, rank) => {
      const score = cosineSimilarity(vector, Array.from(row.vector));
      return `  ${rank + 1}. ${row.kind.padEnd(5)} ${row.id.padEnd(24)} cosine ${score.toFixed(4)}`;
    });
  };

  const { embedding: textQuery } = await embed({
    model: jinaClip.queryModel(modelId),
    value: query,
  });
  console.log(`Text query "${query}":\n${(await search(textQuery)).join('\n')}`);

  const image = items.find((item) => item.kind === 'image');
  if (image !== undefined) {
    const { embedding: imageQuery } = await embed({
      model: jinaClip.embeddingModel(modelId),
      value: image.id,
      providerOptions: { jinaClip: { content: [{ image: image.path }] } },
    });
    console.log(`Image query ${image.id}:\n${(await search(imageQuery)).join('\n')}`);
  }
} finally {
  await jinaClip.close();
}
