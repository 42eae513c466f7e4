import { InvalidInputError } from './errors/invalid-input-error.js';
import { ownOptions } from './own-options.js';

/** The options a backend reads, and those of the other backend (to say where they belong). */
export interface KnownOptions {
  /** What the options are given to, for the message: `createApiBackend`. */
  readonly owner: string;
  /** Every option the owner reads. */
  readonly names: readonly string[];
  /** Every option of the other backend, and how to select it: `backend: 'local'`. */
  readonly other?: { readonly names: readonly string[]; readonly label: string };
}

/** Edits (insert, delete, replace) between two short names; hand-written, a dozen lines. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const replace = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, replace);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The known name `name` was probably meant to be: same letters but for case, or two edits. */
function meantName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  return (
    names.find((candidate) => candidate.toLowerCase() === lower) ??
    names.find((candidate) => editDistance(candidate.toLowerCase(), lower) <= 2)
  );
}

/**
 * Throws {@link InvalidInputError} (with `field`) for the first option set in `options` that the
 * owner does not read: another backend's option says so, a misspelt one names the option meant
 * (same letters but for case, or within two edits). An option left `undefined` is not set. Options of a plain object
 * only; anything else is a caller's type error that {@link InvalidInputError} also reports.
 *
 * Returns the options' own properties ({@link ownOptions}): the resolver reads those, never the
 * caller's object, so nothing comes from the prototype chain and no getter runs twice.
 */
export function rejectUnknownOptions<T extends object>(
  options: T | undefined,
  known: KnownOptions,
): T {
  const own = ownOptions(options, known.owner);
  for (const [name, value] of Object.entries(own)) {
    if (value === undefined || known.names.includes(name)) continue;
    if (known.other?.names.includes(name)) {
      throw new InvalidInputError(
        `\`${name}\` is not an option of ${known.owner}: it belongs to the other backend (${known.other.label}).`,
        { field: name },
      );
    }
    const meant = meantName(name, known.names);
    throw new InvalidInputError(
      `\`${name}\` is not an option of ${known.owner}${meant === undefined ? '.' : `; did you mean \`${meant}\`?`}`,
      { field: name },
    );
  }
  return own;
}
