/**
 * The entry of a tokenizer thread (see {@link TokenizerThread}): builds the repository's
 * tokenizer with the same code as the main thread (`loadTextTokenizer`, same library, same
 * `tokenizer.json`), so its token ids are the main thread's, and tokenizes each text it is sent.
 */
import { readFile } from 'node:fs/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { toWorkerError } from '../worker-error.js';
import { loadTextTokenizer } from './text-tokenizer.js';
import type {
  TokenizerWorkerData,
  TokenizerWorkerReply,
  TokenizerWorkerTask,
} from './tokenizer-worker-messages.js';

const port = parentPort;
if (port === null) throw new Error('tokenizer-worker runs as a worker thread only.');
const data = workerData as TokenizerWorkerData;
const tokenizer = readFile(data.tokenizerJsonPath, 'utf8').then((json) =>
  loadTextTokenizer(JSON.parse(json) as Record<string, unknown>, data.tokenizerConfig, {
    maxTokens: data.maxTokens,
    padTokenId: data.padTokenId,
  }),
);
// A failure is reported with the task that waits for it.
tokenizer.catch(() => {});

port.on('message', async (task: TokenizerWorkerTask) => {
  let reply: TokenizerWorkerReply;
  try {
    reply = { id: task.id, encoding: (await tokenizer).encode(task.text) };
  } catch (error) {
    reply = { id: task.id, error: toWorkerError(error) };
  }
  port.postMessage(reply);
});
