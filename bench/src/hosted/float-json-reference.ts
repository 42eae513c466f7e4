import { expectedServerEmbedding } from 'jina-clip-runtime/testing';
import type { HostedSetup } from './hosted-contender.js';

/**
 * Response body bytes the same texts would cost as float JSON (`embedding_type: 'float'`, what
 * the peers request), in batches of `batchSize`: the bodies the loopback server would send,
 * built from the server's own vectors for a sample of up to 512 texts and scaled to all of them.
 */
export function floatJsonResponseBytes(
  texts: readonly string[],
  model: HostedSetup['model'],
  batchSize: number,
): number {
  const sample = texts.slice(0, Math.min(texts.length, 512));
  if (sample.length === 0) return 0;
  let itemBytes = 0;
  for (const [index, text] of sample.entries()) {
    const embedding = Array.from(expectedServerEmbedding(text, model));
    itemBytes += Buffer.byteLength(JSON.stringify({ object: 'embedding', index, embedding })) + 1;
  }
  const envelope = Buffer.byteLength(
    JSON.stringify({
      model,
      object: 'list',
      usage: { total_tokens: 100000, prompt_tokens: 100000 },
      data: [],
    }),
  );
  const requests = Math.ceil(texts.length / batchSize);
  return Math.round((itemBytes / sample.length) * texts.length + envelope * requests);
}
