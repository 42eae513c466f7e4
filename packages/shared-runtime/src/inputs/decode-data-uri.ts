import { Buffer } from 'node:buffer';
import { IMAGE_LOAD_REASONS } from '../errors/image-load-error.js';
import { fail, failEmpty, failTooLarge } from './image-load-failure.js';
import type { LoadedImage } from './loaded-image.js';

/** Value of a hexadecimal digit's character code, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Bytes of a percent-encoded string: `%XX` escapes as bytes, other characters as UTF-8, a `%`
 * without two hex digits as itself. Written by hand because no Buffer method decodes percent
 * escapes into bytes (`decodeURIComponent` wants UTF-8 and throws on `%FF`); linear: runs of
 * plain characters are copied with one `Buffer.write` each.
 */
function percentDecode(text: string): Buffer {
  if (!text.includes('%')) return Buffer.from(text, 'utf8');
  // An escape (3 bytes of UTF-8) decodes to 1 byte: the UTF-8 length bounds the output.
  const out = Buffer.allocUnsafe(Buffer.byteLength(text, 'utf8'));
  let length = 0;
  let runStart = 0;
  let index = text.indexOf('%');
  while (index !== -1) {
    const high = hexValue(text.charCodeAt(index + 1));
    const low = hexValue(text.charCodeAt(index + 2));
    if (high < 0 || low < 0) {
      index = text.indexOf('%', index + 1);
      continue;
    }
    if (index > runStart) length += out.write(text.slice(runStart, index), length, 'utf8');
    out[length++] = high * 16 + low;
    runStart = index + 3;
    index = text.indexOf('%', runStart);
  }
  if (runStart < text.length) length += out.write(text.slice(runStart), length, 'utf8');
  return out.subarray(0, length);
}

const BASE64_WHITESPACE = /[\t\n\f\r ]/g;

/**
 * Decodes a `data:` URI (RFC 2397): percent-decoded, then base64-decoded when its media type ends
 * with `;base64` (whitespace ignored, standard or URL-safe alphabet), in linear time. The size
 * is checked against `maxBytes` before each step allocates: from the text's length (each byte
 * takes at least one character, or 4/3 in base64, or 3 percent-encoded), then exactly.
 */
export function decodeDataUri(uri: string, inputIndex: number, maxBytes: number): LoadedImage {
  // Before decoding, the text's length; once decoded, the image's size.
  const description = `data: URI (${uri.length} bytes)`;
  const comma = uri.indexOf(',');
  if (comma < 0) {
    fail(inputIndex, description, 'malformed, no comma', {
      reason: IMAGE_LOAD_REASONS.invalidSource,
    });
  }
  const isBase64 = /;\s*base64\s*$/i.test(uri.slice(5, comma));
  const payloadLength = uri.length - comma - 1;
  // Fewest bytes the payload can decode to, were every byte percent-encoded (3 characters).
  const fewestBytes = Math.floor(payloadLength / 3 / (isBase64 ? 4 / 3 : 1));
  if (fewestBytes > maxBytes) failTooLarge(inputIndex, description, maxBytes);
  let bytes: Buffer = percentDecode(uri.slice(comma + 1));
  if (isBase64) {
    let text = bytes.toString('latin1');
    BASE64_WHITESPACE.lastIndex = 0;
    if (BASE64_WHITESPACE.test(text)) text = text.replace(BASE64_WHITESPACE, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text) || text.length % 4 === 1) {
      fail(inputIndex, description, 'invalid base64', {
        reason: IMAGE_LOAD_REASONS.invalidSource,
      });
    }
    const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
    if (Math.floor((text.length * 3) / 4) - padding > maxBytes) {
      failTooLarge(inputIndex, description, maxBytes);
    }
    bytes = Buffer.from(text, 'base64');
  } else if (bytes.byteLength > maxBytes) {
    failTooLarge(inputIndex, description, maxBytes);
  }
  const decoded = `data: URI (${bytes.byteLength} bytes)`;
  if (bytes.byteLength === 0) failEmpty(inputIndex, decoded);
  return { kind: 'bytes', bytes, description: decoded };
}
