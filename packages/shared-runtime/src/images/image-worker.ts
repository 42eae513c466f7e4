/**
 * The entry of an image worker thread (see {@link ImageWorkerPool}): decodes and resamples the
 * encoded bytes it is handed (transferred, not copied) and transfers back only the model-sized
 * RGB pixels. Nothing is shared with other threads, so workers never wait on each other.
 */
import { parentPort } from 'node:worker_threads';
import { toWorkerError } from '../worker-error.js';
import type { ImageWorkerReply, ImageWorkerTask } from './image-worker-messages.js';
import { preprocessImage } from './preprocess-image.js';

const port = parentPort;
if (port === null) throw new Error('image-worker runs as a worker thread only.');

port.on('message', async (task: ImageWorkerTask) => {
  let reply: ImageWorkerReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const image = await preprocessImage(task.bytes, task.config, {
      exact: task.exact,
      header: task.header,
      timeoutSeconds: task.timeoutSeconds,
    });
    let { data } = image;
    // Transfer only a buffer the pixels own whole, so nothing else crosses the thread boundary.
    if (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength)
      data = new Uint8Array(data);
    transfer.push(data.buffer as ArrayBuffer);
    reply = { id: task.id, image: { ...image, data } };
  } catch (error) {
    reply = { id: task.id, error: toWorkerError(error) };
  }
  port.postMessage(reply, transfer);
});
