import { InvalidInputError } from './errors/invalid-input-error.js';
import { describeThrown } from './errors/message-text.js';

/**
 * A snapshot of the options' own enumerable properties, in an object without a prototype, that
 * every resolver reads instead of the caller's object. Reading `options.baseURL` directly would
 * find a property that some other code set on `Object.prototype` (prototype pollution: the API
 * key would go to that `baseURL`); a getter or Proxy trap would run again at each read, and its
 * `TypeError` would escape as it is. Here each value is read once, and whatever throws while
 * reading becomes an {@link InvalidInputError} naming the option.
 *
 * @param what - What the options belong to, for the message: "the api backend", "`backoff`".
 * @param field - The `field` of the error when `options` itself is wrong.
 * @throws InvalidInputError when `options` is not a plain object or one of its properties throws.
 */
export function ownOptions<T extends object>(
  options: T | undefined,
  what: string,
  field = 'options',
): T {
  const snapshot = Object.create(null) as Record<string, unknown>;
  if (options === undefined) return snapshot as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidInputError(`The options of ${what} must be an object.`, { field });
  }
  let names: string[];
  try {
    names = Object.keys(options);
  } catch (error) {
    throw new InvalidInputError(
      `The options of ${what} could not be read (${describeThrown(error)}).`,
      { field, cause: error },
    );
  }
  for (const name of names) {
    try {
      snapshot[name] = (options as Record<string, unknown>)[name];
    } catch (error) {
      throw new InvalidInputError(
        `The option \`${name.slice(0, 100)}\` of ${what} could not be read (${describeThrown(error)}).`,
        { field: name, cause: error },
      );
    }
  }
  return snapshot as T;
}
