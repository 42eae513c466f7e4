/**
 * Counts the scans (SOS markers) of a JPEG from its marker structure, without decoding: segments
 * are skipped by their length, and each scan's entropy-coded data up to the next marker (a 0xFF
 * not followed by a stuffed 0x00, a restart marker or fill). Markers inside APPn segments (an
 * EXIF thumbnail) are skipped with their segment. Stops counting past `stopAfter`.
 *
 * Written by hand: libjpeg reads every scan before it returns the first row (the reason a
 * progressive JPEG of thousands of scans costs seconds to minutes), and no decoder in reach
 * counts them first; the structure is ITU T.81 annex B.
 *
 * @returns the number of scans, or `stopAfter + 1` when there are more than `stopAfter`.
 */
export function countJpegScans(bytes: Uint8Array, stopAfter: number): number {
  let scans = 0;
  let at = 2; // after SOI
  const length = bytes.length;
  while (at + 1 < length) {
    if (bytes[at] !== 0xff) {
      // Garbage between segments: libjpeg skips it looking for the next marker.
      const next = bytes.indexOf(0xff, at);
      if (next < 0) break;
      at = next;
      continue;
    }
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    at += 2;
    if (marker === 0xd9) break; // EOI
    // Standalone markers: TEM, RSTn, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8) || marker === 0x00) continue;
    if (at + 1 >= length) break;
    const segment = (bytes[at]! << 8) | bytes[at + 1]!;
    at += segment;
    if (marker !== 0xda) continue;
    scans++;
    if (scans > stopAfter) return scans;
    // Entropy-coded data: runs to the next marker that is not a stuffed byte or a restart.
    for (;;) {
      const next = bytes.indexOf(0xff, at);
      if (next < 0 || next + 1 >= length) return scans;
      const following = bytes[next + 1]!;
      if (following === 0x00 || (following >= 0xd0 && following <= 0xd7)) {
        at = next + 2;
      } else if (following === 0xff) {
        at = next + 1;
      } else {
        at = next;
        break;
      }
    }
  }
  return scans;
}
