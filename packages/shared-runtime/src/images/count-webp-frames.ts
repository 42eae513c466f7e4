/**
 * Counts the animation frames (ANMF chunks) of a WebP file from its RIFF chunk structure, without
 * decoding: chunks are skipped by their sizes. A still WebP has none and counts as one frame.
 * Stops counting past `stopAfter`.
 *
 * Written by hand because libvips cannot be asked first: its WebP loader walks the frame list
 * once per frame while it opens the file (libwebp's demuxer finds frame n from the first), so
 * opening 60,000 frames costs 2.8 s and 500,000 frames minutes, before any header is returned.
 * The container is specified in Google's "WebP Container Specification".
 *
 * @returns the number of frames, or `stopAfter + 1` when there are more than `stopAfter`.
 */
export function countWebpFrames(bytes: Uint8Array, stopAfter: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let frames = 0;
  let at = 12; // after RIFF, the file size and WEBP
  while (at + 8 <= bytes.length) {
    const isFrame =
      bytes[at] === 0x41 &&
      bytes[at + 1] === 0x4e &&
      bytes[at + 2] === 0x4d &&
      bytes[at + 3] === 0x46;
    if (isFrame) {
      frames++;
      if (frames > stopAfter) return frames;
    }
    const size = view.getUint32(at + 4, true);
    at += 8 + size + (size & 1);
  }
  return Math.max(frames, 1);
}
