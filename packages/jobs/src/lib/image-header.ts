// The format and stored size of a JPEG or PNG, read from its bytes in memory:
// what image.scale needs to choose between copying and scaling, without a
// round trip through libuv's thread pool for sharp's `metadata()`. Anything
// else, or anything unexpected, is left to sharp (undefined here).

export interface ImageHeader {
  format: 'jpeg' | 'png';
  /** As stored, before any EXIF orientation. */
  width: number;
  height: number;
}

export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return jpegHeader(bytes, view) ?? pngHeader(bytes, view);
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const IHDR = [0x49, 0x48, 0x44, 0x52];

function pngHeader(bytes: Uint8Array, view: DataView): ImageHeader | undefined {
  if (bytes.length < 24 || PNG_SIGNATURE.some((byte, i) => bytes[i] !== byte)) return undefined;
  // The first chunk is IHDR: its length, its type, then width and height.
  if (IHDR.some((byte, i) => bytes[12 + i] !== byte)) return undefined;
  return sized('png', view.getUint32(16), view.getUint32(20));
}

/** Start of frame, Huffman-coded: baseline, extended, progressive, lossless. Other kinds are left to sharp. */
const FRAME_MARKERS = new Set([0xc0, 0xc1, 0xc2, 0xc3]);

function jpegHeader(bytes: Uint8Array, view: DataView): ImageHeader | undefined {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  // Segments up to the frame header, each skipped by its length (EXIF with its thumbnail, ICC, XMP…).
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (FRAME_MARKERS.has(marker)) {
      if (at + 9 > bytes.length) return undefined;
      return sized('jpeg', view.getUint16(at + 7), view.getUint16(at + 5));
    }
    // Any other frame kind, a scan or the end before a frame header: not for this reader.
    if ((marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xcc) || marker === 0xda)
      return undefined;
    if (marker === 0xd9) return undefined;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2; // markers without a length
      continue;
    }
    const length = view.getUint16(at + 2);
    if (length < 2) return undefined;
    at += 2 + length;
  }
  return undefined;
}

function sized(format: ImageHeader['format'], width: number, height: number): ImageHeader | undefined {
  return width > 0 && height > 0 ? { format, width, height } : undefined;
}
