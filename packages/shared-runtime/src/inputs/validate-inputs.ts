import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { EmbeddingInput, ImageSource, ResolvedInput } from './embedding-input.js';

function isImageSource(value: unknown): boolean {
  return (
    typeof value === 'string' ||
    value instanceof URL ||
    value instanceof Uint8Array ||
    value instanceof ArrayBuffer ||
    (typeof Blob !== 'undefined' && value instanceof Blob)
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? `an object with keys [${Object.keys(value).join(', ')}]`
    : typeof value;
}

/**
 * Checks every input up front and tags it as text or image, so that a bad input fails before any
 * request or inference, with its index named. Empty texts and empty images are errors: the
 * service rejects them and a zero vector would be silently wrong.
 */
export function validateInputs(inputs: readonly EmbeddingInput[]): ResolvedInput[] {
  if (!Array.isArray(inputs)) {
    throw new InvalidInputError(`Expected an array of inputs, got ${describe(inputs)}.`, {
      field: 'inputs',
    });
  }
  // Array.from, not map: map skips the holes of a sparse array, which would drop inputs silently.
  return Array.from(inputs, (input, inputIndex): ResolvedInput => {
    const text = typeof input === 'string' ? input : (input as { text?: unknown } | null)?.text;
    const hasText =
      typeof input === 'string' || (typeof input === 'object' && input !== null && 'text' in input);
    const hasImage = typeof input === 'object' && input !== null && 'image' in input;
    if (hasText && hasImage) {
      throw new InvalidInputError(`Input ${inputIndex} has both "text" and "image"; give one.`, {
        inputIndex,
      });
    }
    if (hasText) {
      if (typeof text !== 'string') {
        throw new InvalidInputError(
          `Input ${inputIndex}: "text" must be a string, got ${describe(text)}.`,
          {
            inputIndex,
          },
        );
      }
      if (text.trim().length === 0) {
        throw new InvalidInputError(`Input ${inputIndex} is an empty text.`, { inputIndex });
      }
      return { kind: 'text', text };
    }
    if (hasImage) {
      const image = (input as { image: unknown }).image;
      if (!isImageSource(image)) {
        throw new InvalidInputError(
          `Input ${inputIndex}: "image" must be a URL, path, data URI, bytes or Blob, got ${describe(image)}.`,
          { inputIndex },
        );
      }
      const size =
        typeof image === 'string'
          ? image.trim().length
          : image instanceof Uint8Array || image instanceof ArrayBuffer
            ? image.byteLength
            : image instanceof Blob
              ? image.size
              : 1;
      if (size === 0) {
        throw new InvalidInputError(`Input ${inputIndex} is an empty image.`, { inputIndex });
      }
      return { kind: 'image', image: image as ImageSource };
    }
    throw new InvalidInputError(
      `Input ${inputIndex} must be a string, { text } or { image }, got ${describe(input)}.`,
      { inputIndex },
    );
  });
}
