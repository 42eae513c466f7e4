import { type EmbeddingBackend, MODELS, type ModelInfo } from 'jina-clip-runtime';

/**
 * A line saying that the loaded model is a tiny random-weight test model (such as the one
 * `npm run start:offline` generates), so that its rankings are not taken for the model's
 * quality; undefined for a real model. Call it after the first embedding: a local model's width
 * is known once it is loaded, and the tiny ones are narrower than the real model.
 */
export function tinyModelNotice(backend: {
  readonly model: Pick<ModelInfo, 'id' | 'dimensions'>;
}): string | undefined {
  const { id, dimensions } = backend.model;
  const real = Object.hasOwn(MODELS, id) ? MODELS[id as keyof typeof MODELS] : undefined;
  if (real === undefined || dimensions >= real.dimensions) return undefined;
  return (
    `Note: this ${id} is a tiny random-weight test model (${dimensions}-wide vectors; the real ` +
    `one gives ${real.dimensions}): the rankings below show the wiring, not the model's quality.`
  );
}

/** Prints {@link tinyModelNotice} when there is one. */
export function printModelNotice(backend: EmbeddingBackend): void {
  const notice = tinyModelNotice(backend);
  if (notice !== undefined) console.log(notice);
}
