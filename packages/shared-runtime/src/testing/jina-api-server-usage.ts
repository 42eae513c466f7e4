import { Buffer } from 'node:buffer';
import type { WireInput } from '../api/embeddings-wire.js';
import type { ModelInfo } from '../models/model-info.js';
import { importOptionalPeer } from '../optional-peer.js';

/** Width and height of an image, in pixels. */
export interface ImageSize {
  width: number;
  height: number;
}

type SharpFactory = (input: Buffer) => { metadata(): Promise<{ width?: number; height?: number }> };

/** Tokens the service bills for a text: about one per word, plus the two special tokens. */
export function textTokens(text: string): number {
  const trimmed = text.trim();
  return (trimmed === '' ? 0 : trimmed.split(/\s+/).length) + 2;
}

/** Tokens the service bills for an image: `imageTokensPerTile` per started tile of `imageSize`. */
export function imageTokens(size: ImageSize, model: ModelInfo): number {
  const tile = model.imageSize;
  return Math.ceil(size.width / tile) * Math.ceil(size.height / tile) * model.imageTokensPerTile;
}

/** True for an image the service would fetch itself. The loopback server never fetches. */
export function isImageUrl(image: string): boolean {
  return /^https?:\/\//i.test(image);
}

/**
 * The size written in a PNG, JPEG, GIF or WebP header. Hand-written as the fallback for machines
 * without sharp (an api-only install), where the testing entry must still bill images.
 */
export function readImageHeaderSize(bytes: Buffer): ImageSize | undefined {
  if (
    bytes.length >= 24 &&
    bytes.readUInt32BE(0) === 0x89504e47 &&
    bytes.toString('ascii', 12, 16) === 'IHDR'
  ) {
    return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
  }
  if (bytes.length >= 10 && bytes.toString('ascii', 0, 3) === 'GIF') {
    return { width: bytes.readUInt16LE(6), height: bytes.readUInt16LE(8) };
  }
  if (
    bytes.length >= 30 &&
    bytes.toString('ascii', 0, 4) === 'RIFF' &&
    bytes.toString('ascii', 8, 12) === 'WEBP'
  ) {
    const chunk = bytes.toString('ascii', 12, 16);
    // VP8L (lossless): 14-bit width - 1 and height - 1 after the 0x2f signature byte.
    if (chunk === 'VP8L' && bytes[20] === 0x2f) {
      const bits = bytes.readUInt32LE(21);
      return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    // VP8X (extended): 24-bit canvas width - 1 and height - 1.
    if (chunk === 'VP8X') {
      return { width: bytes.readUIntLE(24, 3) + 1, height: bytes.readUIntLE(27, 3) + 1 };
    }
    // VP8 (lossy): 14-bit width and height after the key frame's start code.
    if (chunk === 'VP8 ') {
      return { width: bytes.readUInt16LE(26) & 0x3fff, height: bytes.readUInt16LE(28) & 0x3fff };
    }
    return undefined;
  }
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
    let offset = 2;
    while (offset + 9 < bytes.length) {
      if (bytes[offset] !== 0xff) return undefined;
      const marker = bytes[offset + 1]!;
      if (marker === 0xff) {
        offset++;
        continue;
      }
      const length = bytes.readUInt16BE(offset + 2);
      // SOF0..SOF15 carry the frame size, except DHT (C4), JPG (C8) and DAC (CC).
      if (
        marker >= 0xc0 &&
        marker <= 0xcf &&
        marker !== 0xc4 &&
        marker !== 0xc8 &&
        marker !== 0xcc
      ) {
        return { height: bytes.readUInt16BE(offset + 5), width: bytes.readUInt16BE(offset + 7) };
      }
      offset += 2 + length;
    }
  }
  return undefined;
}

/**
 * The decoded size of a base64 image (a `data:` prefix is tolerated): from sharp's metadata when
 * sharp is installed, else from the file header. Undefined when the bytes are not an image.
 */
export async function decodedImageSize(base64: string): Promise<ImageSize | undefined> {
  const bytes = Buffer.from(base64.replace(/^data:[^,]*,/, ''), 'base64');
  if (bytes.length === 0) return undefined;
  let sharp: SharpFactory | undefined;
  try {
    sharp = await importOptionalPeer<SharpFactory>('sharp');
  } catch {
    sharp = undefined;
  }
  if (sharp !== undefined) {
    try {
      const { width, height } = await sharp(bytes).metadata();
      return width !== undefined && height !== undefined ? { width, height } : undefined;
    } catch {
      return undefined;
    }
  }
  return readImageHeaderSize(bytes);
}

/**
 * Tokens billed for one input: words for texts, tiles for images. A URL image is billed one tile,
 * since the loopback server never fetches remote URLs. Undefined for an undecodable image.
 */
export async function inputTokens(input: WireInput, model: ModelInfo): Promise<number | undefined> {
  if ('text' in input) return textTokens(input.text);
  if (isImageUrl(input.image)) return model.imageTokensPerTile;
  const size = await decodedImageSize(input.image);
  return size === undefined ? undefined : imageTokens(size, model);
}
