// A rotated JPEG that keeps the original's metadata byte for byte. The pixels
// come from a fresh encode (sharp's, already turned upright); the original's
// EXIF (maker notes and thumbnail included), XMP, ICC profile, IPTC and
// comments are copied across with only their orientation reset (and EXIF's
// pixel dimensions swapped when the image turned a quarter). Re-serialising
// EXIF instead, as libvips does, can move maker notes whose offsets a camera
// maker's software relies on.
import { readValue, writeValue } from './exif-tiff.js';
import { ICC_HEADER, type JpegSegment, type PhotoMetadata, readJpeg, XMP_HEADER } from './photo-metadata.js';

const hasPrefix = (bytes: Uint8Array, at: number, prefix: readonly number[]) =>
  prefix.every((byte, i) => bytes[at + i] === byte);

/**
 * The original's segments worth carrying over: APP0 (JFIF), APP1 (EXIF, XMP),
 * APP2 only for the ICC profile, APP3–APP13, APP15 and comments. Not APP14
 * (Adobe's colour-transform flag describes the old encoding, not the new one)
 * nor APP2 MPF (offsets into images after the end marker, which are not kept).
 */
function isCarried(bytes: Uint8Array, segment: JpegSegment): boolean {
  const { marker } = segment;
  if (marker === 0xfe) return true;
  if (marker < 0xe0 || marker > 0xef || marker === 0xee) return false;
  if (marker === 0xe2) return hasPrefix(bytes, segment.data, ICC_HEADER);
  return true;
}

/** What the new encoding contributes before its scan: tables and frame header (and APP14), not metadata. */
const isEncoding = (segment: JpegSegment) =>
  segment.marker !== 0xfe && (segment.marker < 0xe0 || segment.marker > 0xef || segment.marker === 0xee);

/** A JPEG: the original's metadata with its orientation reset, then `encoded`'s tables and scans. */
export function rebuildJpeg(
  original: Uint8Array,
  meta: PhotoMetadata,
  encoded: Uint8Array,
  orientation: number,
): Buffer {
  const copy = Buffer.from(original); // patched in place, so the caller's bytes stay as read
  const exif = meta.exif;
  if (exif?.orientationAt) writeValue(copy, exif.orientationAt, 1);
  if (exif?.pixelDimensionsAt && orientation >= 5) {
    const [x, y] = exif.pixelDimensionsAt;
    const width = readValue(copy, x);
    writeValue(copy, x, readValue(copy, y));
    writeValue(copy, y, width);
  }
  const carried = (meta.segments ?? []).filter((segment) => isCarried(copy, segment));
  for (const segment of carried) {
    if (segment.marker === 0xe1 && hasPrefix(copy, segment.data, XMP_HEADER))
      resetXmpOrientation(copy, segment);
  }
  const fresh = readJpeg(encoded).segments ?? [];
  const scan = fresh.find((segment) => segment.marker === 0xda);
  if (!scan) throw new Error('the encoder wrote no image data');
  const parts: Uint8Array[] = [copy.subarray(0, 2)];
  for (const segment of carried) parts.push(copy.subarray(segment.start, segment.end));
  for (const segment of fresh)
    if (isEncoding(segment) && segment.marker !== 0xda)
      parts.push(encoded.subarray(segment.start, segment.end));
  parts.push(encoded.subarray(scan.start));
  return Buffer.concat(parts);
}

/** XMP's copy of the tag (`tiff:Orientation`, as an attribute or an element), reset to 1 in place: same length. */
function resetXmpOrientation(bytes: Buffer, segment: JpegSegment): void {
  const text = bytes.toString('latin1', segment.data, segment.end);
  for (const match of text.matchAll(/tiff:Orientation(?:\s*=\s*["']|>)\s*([2-8])\b/g)) {
    const digit = segment.data + match.index + match[0].length - 1;
    bytes[digit] = 0x31;
  }
}
