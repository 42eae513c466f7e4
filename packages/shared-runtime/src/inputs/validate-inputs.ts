import { InvalidInputError } from '../errors/invalid-input-error.js';
import { JinaClipError } from '../errors/jina-clip-error.js';
import { describeThrown } from '../errors/message-text.js';
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
  // A getter or Proxy trap of the caller's (on the array or an input) that throws is the
  // caller's bad input: an InvalidInputError naming it, not a raw TypeError from inside.
  let current: number | undefined;
  try {
    if (!Array.isArray(inputs)) {
      throw new InvalidInputError(`Expected an array of inputs, got ${describe(inputs)}.`, {
        field: 'inputs',
      });
    }
    // Every index, not map: map skips the holes of a sparse array, which would drop inputs
    // silently (a hole is an undefined input, refused).
    const length = inputs.length;
    const resolved: ResolvedInput[] = [];
    for (let inputIndex = 0; inputIndex < length; inputIndex++) {
      current = inputIndex;
      resolved.push(validateInput(inputs[inputIndex], inputIndex));
    }
    return resolved;
  } catch (error) {
    if (JinaClipError.isInstance(error)) throw error;
    const which = current === undefined ? 'The inputs' : `Input ${current}`;
    throw new InvalidInputError(`${which} could not be read (${describeThrown(error)}).`, {
      ...(current === undefined ? { field: 'inputs' } : { inputIndex: current }),
      cause: error,
    });
  }
}

/** One input checked and tagged; its getters run once each. */
function validateInput(input: unknown, inputIndex: number): ResolvedInput {
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
}
