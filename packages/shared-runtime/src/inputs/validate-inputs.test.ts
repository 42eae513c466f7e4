import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { EmbeddingInput } from './embedding-input.js';
import { validateInputs } from './validate-inputs.js';

function errorOf(inputs: unknown): InvalidInputError {
  try {
    validateInputs(inputs as EmbeddingInput[]);
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('expected an InvalidInputError');
}

describe('validateInputs', () => {
  it('tags texts and images, keeping order', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    const url = new URL('https://example.com/cat.jpg');
    expect(
      validateInputs([
        'a cat',
        { text: 'a dog' },
        { image: bytes },
        { image: url },
        { image: 'cat.png' },
      ]),
    ).toEqual([
      { kind: 'text', text: 'a cat' },
      { kind: 'text', text: 'a dog' },
      { kind: 'image', image: bytes },
      { kind: 'image', image: url },
      { kind: 'image', image: 'cat.png' },
    ]);
  });

  it('names the offending input of every kind of bad input', () => {
    expect(errorOf(['ok', '  '])).toMatchObject({
      inputIndex: 1,
      message: 'Input 1 is an empty text.',
    });
    expect(errorOf(['ok', 'ok', { image: new Uint8Array(0) }])).toMatchObject({
      inputIndex: 2,
      message: 'Input 2 is an empty image.',
    });
    expect(errorOf([{ text: 42 }])).toMatchObject({
      inputIndex: 0,
      message: 'Input 0: "text" must be a string, got number.',
    });
    expect(errorOf([{ text: 'a', image: 'b.png' }])).toMatchObject({
      inputIndex: 0,
      message: 'Input 0 has both "text" and "image"; give one.',
    });
    expect(errorOf([{ image: { path: 'x' } }])).toMatchObject({
      inputIndex: 0,
      message:
        'Input 0: "image" must be a URL, path, data URI, bytes or Blob, got an object with keys [path].',
    });
    expect(errorOf([null])).toMatchObject({
      inputIndex: 0,
      message: 'Input 0 must be a string, { text } or { image }, got null.',
    });
    expect(errorOf('text')).toMatchObject({ field: 'inputs' });
  });

  it('rejects a hole of a sparse array instead of skipping it', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    expect(errorOf(['a', , 'b'])).toMatchObject({
      inputIndex: 1,
      message: 'Input 1 must be a string, { text } or { image }, got undefined.',
    });
  });

  it('accepts an empty array', () => {
    expect(validateInputs([])).toEqual([]);
  });

  it('turns throwing getters and Proxy traps into an InvalidInputError naming the input', () => {
    const trap = () => {
      throw new RangeError('hostile');
    };
    const getter = errorOf([
      'a cat',
      {
        get text(): string {
          throw new TypeError('from a getter');
        },
      },
    ]);
    expect(getter.inputIndex).toBe(1);
    expect(getter.message).toBe('Input 1 could not be read (TypeError: from a getter).');
    expect(errorOf(['a', 'b', new Proxy({}, { has: trap })]).inputIndex).toBe(2);
    const element = errorOf(
      new Proxy(['a', 'b'], {
        get: (target, key) => (key === '1' ? trap() : Reflect.get(target, key)),
      }),
    );
    expect(element.inputIndex).toBe(1);
    expect(errorOf([{ image: new Proxy(new Uint8Array(4), { get: trap }) }]).inputIndex).toBe(0);
    const { proxy, revoke } = Proxy.revocable([], {});
    revoke();
    const revoked = errorOf(proxy);
    expect(revoked.field).toBe('inputs');
    expect(revoked.message).toContain('The inputs could not be read (TypeError:');
  });
});
