import type { WorkerError } from '../worker-error.js';
import type { TextEncoding } from './text-tokenizer.js';

/** What a tokenizer thread is started with (`workerData`): the tokenizer to build. */
export interface TokenizerWorkerData {
  /** Path of the repository's `tokenizer.json`: read in the thread, so no copy crosses threads. */
  readonly tokenizerJsonPath: string;
  /** `tokenizer_config.json` (`{}` when the repository has none). */
  readonly tokenizerConfig: Record<string, unknown>;
  readonly maxTokens: number;
  readonly padTokenId: number;
}

/** One text for the tokenizer thread. */
export interface TokenizerWorkerTask {
  readonly id: number;
  readonly text: string;
}

/** The thread's answer to one task: the encoding, or what it threw. */
export type TokenizerWorkerReply =
  | { readonly id: number; readonly encoding: TextEncoding; readonly error?: undefined }
  | { readonly id: number; readonly error: WorkerError };
