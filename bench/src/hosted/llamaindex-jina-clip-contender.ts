import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type { BaseNode } from '@llamaindex/core/schema';
import { JinaClipEmbedding } from 'llamaindex-jina-clip';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * The `@llamaindex/core` schema module the adapter itself loads (its ESM build, beside the CJS
 * file `require.resolve` finds): the bench has its own newer copy, and loading both in one process
 * makes LlamaIndex warn that its constructor checks break.
 */
async function importAdapterSchema(): Promise<typeof import('@llamaindex/core/schema')> {
  const adapter = createRequire(import.meta.url).resolve('llamaindex-jina-clip');
  const schema = createRequire(adapter).resolve('@llamaindex/core/schema');
  return import(pathToFileURL(schema.replace(/\.cjs$/, '.js')).href);
}

/**
 * This project's LlamaIndex adapter, driven the way `VectorStoreIndex` and `IngestionPipeline`
 * drive an embed model: called as a transform on `TextNode`s / `ImageNode`s, each modality in one
 * call (the adapter keeps `maxConcurrency` requests in flight).
 */
export function createLlamaindexJinaClipContender(setup: HostedSetup): HostedContender {
  const embedding = new JinaClipEmbedding({
    model: setup.model,
    apiKey: setup.apiKey,
    baseURL: setup.baseURL,
  });
  const schema = importAdapterSchema();
  const embedNodes = async (nodes: BaseNode[]) => {
    await embedding(nodes as never);
    return nodes.map((node) => node.getEmbedding());
  };
  return {
    configuration:
      'new JinaClipEmbedding({ model, apiKey, baseURL }); called on TextNodes / ImageNodes, as ingestion does',
    embedTexts: async (texts) => {
      const { TextNode } = await schema;
      return embedNodes(texts.map((text) => new TextNode({ text })));
    },
    embedImages: async (paths) => {
      const { ImageNode } = await schema;
      return embedNodes(paths.map((path) => new ImageNode({ image: path })));
    },
    close: () => embedding.backend.close(),
  };
}
