import { Buffer } from 'node:buffer';
import * as fs from 'node:fs';
import { realpath } from 'node:fs/promises';
import { Socket } from 'node:net';
import { sep } from 'node:path';
import { addAbortSignal } from 'node:stream';
import { promisify } from 'node:util';
import { IMAGE_LOAD_REASONS, ImageLoadError } from '../errors/image-load-error.js';
import { describeError, fail, failTooLarge, reasonOf } from './image-load-failure.js';
import type { ImageSourceConfig } from './image-source-options.js';
import type { LoadedImage } from './loaded-image.js';

/** Bytes read from a file at a time. */
const FILE_CHUNK = 1024 * 1024;

/** True when `path` is `root` or inside it. */
function isInside(path: string, root: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/**
 * Applies the path policy: `allowFilePaths: false` refuses every path; with `imageFileRoot`,
 * the path's real location (`..` and symbolic links resolved) must lie inside the root's.
 * Returns the path to open.
 */
async function checkPath(
  path: string,
  description: string,
  inputIndex: number,
  policy: ImageSourceConfig,
): Promise<string> {
  if (!policy.allowFilePaths) {
    fail(inputIndex, description, 'file paths are not allowed (allowFilePaths: false)', {
      reason: IMAGE_LOAD_REASONS.blockedPath,
    });
  }
  if (policy.imageFileRoot === undefined) return path;
  let realPath: string;
  let realRoot: string;
  try {
    realRoot = await realpath(policy.imageFileRoot);
    realPath = await realpath(path);
  } catch (error) {
    fail(inputIndex, description, describeError(error), { reason: reasonOf(error), cause: error });
  }
  if (!isInside(realPath, realRoot)) {
    fail(inputIndex, description, 'it is outside imageFileRoot', {
      reason: IMAGE_LOAD_REASONS.blockedPath,
    });
  }
  return realPath;
}

const openFile = promisify(fs.open);
const statFile = promisify(fs.fstat);
const readFile = promisify(fs.read);
const closeFile = promisify(fs.close);

/**
 * Reads a FIFO through a libuv pipe (a `net.Socket` on its descriptor), as `process.stdin` is
 * read: nothing blocks a thread-pool thread, and the caller's signal ends it. A FIFO waits for
 * a writer, at most `timeout` ms in all (like a download). Takes ownership of `fd`. Returns the
 * bytes read, stopping at the first chunk past `maxBytes`; rejects with the timeout's reason
 * (a DOMException `TimeoutError`) or the caller's.
 */
async function readPipe(
  fd: number,
  options: { maxBytes: number; timeout: number; signal: AbortSignal | undefined },
  chunks: Buffer[],
): Promise<number> {
  const { maxBytes, signal } = options;
  const timeout = AbortSignal.timeout(options.timeout);
  const socket = new Socket({ fd, readable: true, writable: false });
  addAbortSignal(signal === undefined ? timeout : AbortSignal.any([signal, timeout]), socket);
  let total = 0;
  try {
    for await (const chunk of socket as AsyncIterable<Buffer>) {
      total += chunk.byteLength;
      if (total > maxBytes) break;
      chunks.push(chunk);
    }
  } finally {
    socket.destroy();
  }
  return total;
}

/**
 * Reads a file under the byte cap, counting as it reads: a regular file's size is checked
 * first, and a device or pipe (`/dev/zero`, a FIFO) stops at the first chunk over the cap.
 * Opened non-blocking, so a FIFO without a writer cannot hold a thread-pool thread.
 */
export async function readImageFile(
  path: string,
  description: string,
  inputIndex: number,
  options: { signal: AbortSignal | undefined; policy: ImageSourceConfig },
): Promise<LoadedImage> {
  const { signal, policy } = options;
  const maxBytes = policy.maxImageBytes;
  const openPath = await checkPath(path, description, inputIndex, policy);
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const fd = await openFile(openPath, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const stats = await statFile(fd).catch(async (error: unknown) => {
      await closeFile(fd);
      throw error;
    });
    if (stats.isFIFO()) {
      const timeout = policy.imageDownloadTimeout;
      total = await readPipe(fd, { maxBytes, timeout, signal }, chunks).catch((error: unknown) => {
        if (signal?.aborted || (error as { name?: unknown }).name !== 'AbortError') throw error;
        return fail(
          inputIndex,
          description,
          `nothing more to read within imageDownloadTimeout (${timeout} ms)`,
          { reason: IMAGE_LOAD_REASONS.timeout, limit: timeout, cause: error },
        );
      });
    } else {
      try {
        if (stats.isDirectory()) throw Object.assign(new Error('EISDIR'), { code: 'EISDIR' });
        if (stats.isFile() && stats.size > maxBytes) {
          failTooLarge(inputIndex, description, maxBytes);
        }
        // A regular file in one read (one byte more shows it grew past its size); anything
        // else (a device) a chunk at a time.
        const chunkSize = stats.isFile() ? stats.size + 1 : FILE_CHUNK;
        for (;;) {
          signal?.throwIfAborted();
          // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, so that
          // a single chunk can be handed to an image worker thread without a copy.
          const chunk = Buffer.allocUnsafeSlow(Math.min(chunkSize, maxBytes + 1 - total));
          const { bytesRead } = await readFile(fd, chunk, 0, chunk.byteLength, null);
          if (bytesRead === 0) break;
          chunks.push(chunk.subarray(0, bytesRead));
          total += bytesRead;
          if (total > maxBytes) break;
        }
      } finally {
        await closeFile(fd);
      }
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (ImageLoadError.isInstance(error)) throw error;
    fail(inputIndex, description, describeError(error), { reason: reasonOf(error), cause: error });
  }
  if (total > maxBytes) failTooLarge(inputIndex, description, maxBytes);
  if (total === 0) {
    fail(inputIndex, description, 'the file is empty', { reason: IMAGE_LOAD_REASONS.empty });
  }
  if (chunks.length === 1)
    return { kind: 'bytes', bytes: chunks[0]!, description, ownsBuffer: true };
  return { kind: 'bytes', bytes: Buffer.concat(chunks, total), description };
}
