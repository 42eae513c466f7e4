/**
 * What an option list lacks, as a type error that names the missing options: `unknown` (no
 * constraint) when `Names` covers every key of `Options`.
 */
export type CoversEveryOption<Options, Names extends readonly PropertyKey[]> = [
  Exclude<keyof Options, Names[number]>,
] extends [never]
  ? unknown
  : { missingOptions: Exclude<keyof Options, Names[number]> };

/**
 * Declares the list of every option name of an options interface, checked at compile time both
 * ways: a name the interface lacks, or an option of the interface the list lacks, fails to
 * compile (naming it). So adding an option to the interface without listing it cannot go
 * unnoticed, and each backend has exactly one list that every check derives from.
 *
 * @example
 * ```ts
 * const NAMES = optionNames<{ a?: number; b?: string }>()(['a', 'b']);
 * ```
 */
export function optionNames<Options>() {
  return <const Names extends readonly (keyof Options & string)[]>(
    names: Names & CoversEveryOption<Options, Names>,
  ): Names => names;
}
