import { createHash } from 'node:crypto';

/**
 * The stable id of an item for one model: the first 32 hex digits of the SHA-256 of the model,
 * its kind and its content (the image file's bytes, or the text), NUL-separated.
 *
 * A content hash rather than source and size: the same photo reached by two paths (a copy, a
 * renamed folder, a second machine's mount) is one row, and a file rewritten in place with the
 * same size (a re-export, a crop) is a new one. Its cost is one read of each file by the producer,
 * small beside decoding and embedding it. The model is part of it, so a run on another model never
 * takes the first model's rows for its own. 128 bits keep collisions out of reach for billions of
 * items.
 */
export function itemId(
  kind: 'text' | 'image',
  content: Uint8Array | string,
  model: string,
): string {
  return createHash('sha256')
    .update(model)
    .update('\0')
    .update(kind)
    .update('\0')
    .update(content)
    .digest('hex')
    .slice(0, 32);
}

/**
 * The provisional id of a manifest's deferred source (a URL or a path) for one model: its job's
 * key, and the id a failure to read it is recorded under. The source is not its content, so the
 * row the content makes is keyed by {@link itemId} of that content instead.
 */
export function deferredItemId(source: string, model: string): string {
  return itemId('image', `deferred\0${source}`, model);
}
