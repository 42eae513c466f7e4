import type { ResolvedInput } from '../inputs/embedding-input.js';
import type { OptionalPeer } from '../optional-peer.js';

/**
 * The optional peers a local call with these inputs needs: onnxruntime-node always,
 * `@huggingface/tokenizers` only when it has texts, sharp only when it has images.
 */
export function localPeersFor(inputs: readonly ResolvedInput[]): OptionalPeer[] {
  const peers: OptionalPeer[] = ['onnxruntime-node'];
  if (inputs.some((input) => input.kind === 'text')) peers.push('@huggingface/tokenizers');
  if (inputs.some((input) => input.kind === 'image')) peers.push('sharp');
  return peers;
}
