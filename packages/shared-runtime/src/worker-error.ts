/**
 * An error as it crosses a thread boundary (image workers, the tokenizer thread): its name and
 * message. Structured cloning keeps neither an error's class nor its own fields reliably, so both
 * ends agree on this.
 */
export interface WorkerError {
  readonly name: string;
  readonly message: string;
}

/** JavaScript's own error classes, rebuilt as such (the library's stack giving out is a RangeError). */
const STANDARD_ERRORS: Readonly<Record<string, ErrorConstructor>> = {
  RangeError,
  TypeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** What a worker thread posts for `error`, whatever was thrown. */
export function toWorkerError(error: unknown): WorkerError {
  return error instanceof Error
    ? { name: error.name, message: error.message }
    : { name: 'Error', message: String(error) };
}

/** What a thread reported, as an error of the same class (or an Error of the same name). */
export function fromWorkerError({ name, message }: WorkerError): Error {
  const Constructor = STANDARD_ERRORS[name];
  if (Constructor !== undefined) return new Constructor(message);
  const error = new Error(message);
  error.name = name;
  return error;
}
