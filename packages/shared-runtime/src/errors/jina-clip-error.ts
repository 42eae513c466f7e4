/** Symbol under which every error of this package marks itself, per class name. */
function markerFor(className: string): symbol {
  return Symbol.for(`jina-clip-runtime.${className}`);
}

/**
 * Base class of every error this package throws.
 *
 * `instanceof` and {@link JinaClipError.isInstance} both check a `Symbol.for` marker rather
 * than the prototype chain, so they keep working when two copies of the package are installed
 * (an adapter's nested copy and the application's, for example).
 */
export class JinaClipError extends Error {
  /** @internal The marker instances of this exact class carry. */
  static readonly marker: symbol = markerFor('JinaClipError');

  override readonly name: string = 'JinaClipError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    // Mark the instance with the marker of every class in its chain, non-enumerable so that
    // neither JSON.stringify nor a logger's property walk shows them.
    for (
      let errorClass: unknown = new.target;
      typeof errorClass === 'function' && Object.hasOwn(errorClass, 'marker');
      errorClass = Object.getPrototypeOf(errorClass)
    ) {
      Object.defineProperty(this, (errorClass as typeof JinaClipError).marker, { value: true });
    }
  }

  /** True when `value` is an instance of this class (or a subclass), from any copy of the package. */
  static isInstance<T extends abstract new (...args: never[]) => JinaClipError>(
    this: T & { marker: symbol },
    value: unknown,
  ): value is InstanceType<T> {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[this.marker] === true
    );
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (this as typeof JinaClipError).isInstance(value);
  }
}

/** @internal */
export { markerFor };
