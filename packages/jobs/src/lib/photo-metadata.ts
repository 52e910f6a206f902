// What photo.tidy needs from a photo's own bytes: where its EXIF is, the
// orientation and dates in it, and whether the file is whole. Real cameras and
// editors put EXIF wherever their format allows: in a JPEG after a JFIF
// header, an ICC profile or a large XMP packet (so a fixed-size peek at the
// start misses it), in a TIFF's first IFD, in a PNG's eXIf chunk, in a WebP's
// EXIF chunk. Everything is read from the whole file in memory, bounds-checked:
// a damaged file is a PhotoError with a reason a person can act on, never a
// guess and never an out-of-range read. Pure functions, no dependencies.

/** A file that cannot be tidied, with the reason (item errors show the message). */
export class PhotoError extends Error {
  override name = 'PhotoError';
}

export type PhotoFormat = 'jpeg' | 'png' | 'webp' | 'tiff' | 'heif';

/** The tags photo.tidy reads. Dates are the strings as written ("2021:03:04 05:06:07"). */
export interface ExifTags {
  orientation?: number;
  dateTimeOriginal?: string;
  createDate?: string;
  offsetTime?: string;
  offsetTimeOriginal?: string;
  offsetTimeDigitized?: string;
}

/** A place in the file's bytes holding an integer value, for rewriting it in place. */
export interface ValueAt {
  at: number;
  size: 2 | 4;
  littleEndian: boolean;
}

export interface ExifBlock {
  /** Where the TIFF structure (byte-order mark onward) starts and ends, in the file. */
  start: number;
  end: number;
  tags: ExifTags;
  /** The orientation's value, to reset it in place. */
  orientationAt?: ValueAt;
  /** PixelXDimension and PixelYDimension, swapped in place when a rotation turns the image. */
  pixelDimensionsAt?: [ValueAt, ValueAt];
  /** IFD0 points to an EXIF IFD (dates, exposure, maker notes): more than the orientation. */
  hasExifIfd?: boolean;
}

export interface JpegSegment {
  marker: number;
  /** Offset of the 0xFF of the marker. */
  start: number;
  /** Offset just past the segment. */
  end: number;
  /** Offset of the payload (after the length). */
  data: number;
}

export interface PhotoMetadata {
  format: PhotoFormat;
  exif?: ExifBlock;
  /** JPEG only: the segments before the first scan, in file order. */
  segments?: JpegSegment[];
}

const ascii = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const startsWith = (bytes: Uint8Array, at: number, prefix: readonly number[]) =>
  at + prefix.length <= bytes.length && prefix.every((byte, i) => bytes[at + i] === byte);

const JPEG_SOI = [0xff, 0xd8, 0xff];
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const TIFF_LE = [0x49, 0x49, 0x2a, 0x00];
const TIFF_BE = [0x4d, 0x4d, 0x00, 0x2a];
const EXIF_HEADER = ascii('Exif\0');
export const XMP_HEADER = ascii('http://ns.adobe.com/xap/1.0/\0');
export const ICC_HEADER = ascii('ICC_PROFILE\0');
const HEIF_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx', 'mif1', 'msf1', 'avif', 'avis']);

/** The format by its magic bytes (not its name), or undefined when it is none photo.tidy reads. */
export function sniffFormat(bytes: Uint8Array): PhotoFormat | undefined {
  if (startsWith(bytes, 0, JPEG_SOI)) return 'jpeg';
  if (startsWith(bytes, 0, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, 0, RIFF) && startsWith(bytes, 8, WEBP)) return 'webp';
  if (startsWith(bytes, 0, TIFF_LE) || startsWith(bytes, 0, TIFF_BE)) return 'tiff';
  if (startsWith(bytes, 4, ascii('ftyp')) && bytes.length >= 12) {
    const brand = String.fromCharCode(...bytes.subarray(8, 12));
    if (HEIF_BRANDS.has(brand)) return 'heif';
  }
  return undefined;
}

/**
 * Reads a photo's format and EXIF from its bytes; throws PhotoError for a file
 * that is truncated or corrupt. HEIF keeps EXIF in an item of its box tree:
 * the caller hands over the block sharp extracted (`exifFromHeif`).
 */
export function readPhotoMetadata(bytes: Uint8Array): PhotoMetadata {
  const format = sniffFormat(bytes);
  switch (format) {
    case 'jpeg':
      return readJpeg(bytes);
    case 'png':
      return readPng(bytes);
    case 'webp':
      return readWebp(bytes);
    case 'tiff':
      return { format, exif: parseTiff(bytes, 0, bytes.length) };
    case 'heif':
      return { format };
    default:
      throw new PhotoError('not a JPEG, PNG, WebP, TIFF or HEIF image (its first bytes say otherwise)');
  }
}

/** EXIF as sharp hands it over (with or without the `Exif\0\0` header), parsed. */
export function parseExifBuffer(exif: Uint8Array): ExifBlock | undefined {
  const start = startsWith(exif, 0, EXIF_HEADER) ? 6 : 0;
  if (exif.length - start < 8) return undefined;
  return parseTiff(exif, start, exif.length);
}

// --- JPEG ---------------------------------------------------------------

const isFrame = (marker: number) =>
  marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

export function segmentName(marker: number): string {
  if (marker >= 0xe0 && marker <= 0xef) return `APP${marker - 0xe0}`;
  if (isFrame(marker)) return `SOF${marker - 0xc0}`;
  const names: Record<number, string> = { 196: 'DHT', 218: 'SOS', 219: 'DQT', 221: 'DRI', 254: 'COM' };
  return names[marker] ?? `0xFF${marker.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Walks every segment and scan to the end-of-image marker; the metadata is in the segments before the first scan. */
export function readJpeg(bytes: Uint8Array): PhotoMetadata {
  const size = bytes.length;
  const truncated = (detail: string) =>
    new PhotoError(`truncated JPEG: ${detail}; the file ends at byte ${size} before its end-of-image marker`);
  const segments: JpegSegment[] = [];
  let sawFrame = false;
  let sawScan = false;
  let pos = 2;
  for (;;) {
    if (pos >= size) throw truncated(sawScan ? 'after its image data' : 'in its headers');
    if (bytes[pos] !== 0xff) {
      throw new PhotoError(
        `corrupt JPEG: expected a segment marker at byte ${pos}, found 0x${bytes[pos]!.toString(16).padStart(2, '0')}`,
      );
    }
    while (pos + 1 < size && bytes[pos + 1] === 0xff) pos++; // fill bytes
    if (pos + 1 >= size) throw truncated(`inside a marker at byte ${pos}`);
    const marker = bytes[pos + 1]!;
    if (marker === 0xd9) {
      if (!sawScan) throw new PhotoError('corrupt JPEG: it ends before any image data');
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos += 2;
      continue;
    }
    if (marker === 0x00 || marker === 0xd8) {
      throw new PhotoError(`corrupt JPEG: unexpected marker 0xFF${marker.toString(16)} at byte ${pos}`);
    }
    if (pos + 4 > size) throw truncated(`inside the ${segmentName(marker)} marker at byte ${pos}`);
    const length = (bytes[pos + 2]! << 8) | bytes[pos + 3]!;
    if (length < 2) {
      throw new PhotoError(
        `corrupt JPEG: the ${segmentName(marker)} segment at byte ${pos} has length ${length}`,
      );
    }
    const end = pos + 2 + length;
    if (end > size) {
      throw truncated(`its ${segmentName(marker)} segment at byte ${pos} declares ${length} bytes`);
    }
    if (isFrame(marker)) sawFrame = true;
    if (!sawScan) segments.push({ marker, start: pos, end, data: pos + 4 });
    if (marker === 0xda) {
      if (!sawFrame) throw new PhotoError(`corrupt JPEG: image data at byte ${pos} before any frame header`);
      sawScan = true;
      pos = endOfScan(bytes, end);
      if (pos < 0) throw truncated('inside its image data');
      continue;
    }
    pos = end;
  }
  const exifSegment = segments.find(
    (segment) => segment.marker === 0xe1 && startsWith(bytes, segment.data, EXIF_HEADER),
  );
  const exif = exifSegment ? parseTiff(bytes, exifSegment.data + 6, exifSegment.end) : undefined;
  return { format: 'jpeg', segments, ...(exif ? { exif } : {}) };
}

/** The offset of the marker that ends the entropy-coded data starting at `from`, or -1 if the file ends first. */
function endOfScan(bytes: Uint8Array, from: number): number {
  let at = from;
  for (;;) {
    const ff = bytes.indexOf(0xff, at);
    if (ff < 0 || ff + 1 >= bytes.length) return -1;
    const next = bytes[ff + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at = ff + 2;
    else if (next === 0xff) at = ff + 1;
    else return ff;
  }
}

// --- PNG and WebP -------------------------------------------------------

function readPng(bytes: Uint8Array): PhotoMetadata {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let exif: ExifBlock | undefined;
  let pos = 8;
  for (;;) {
    if (pos + 8 > bytes.length) {
      throw new PhotoError(`truncated PNG: the file ends at byte ${bytes.length} before its IEND chunk`);
    }
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = pos + 8;
    if (data + length + 4 > bytes.length) {
      throw new PhotoError(`truncated PNG: its ${type} chunk at byte ${pos} declares ${length} bytes`);
    }
    if (type === 'eXIf' && !exif) {
      const parsed = parseExifBuffer(bytes.subarray(data, data + length));
      if (parsed) exif = shift(parsed, data);
    }
    if (type === 'IEND') break;
    pos = data + length + 4;
  }
  return { format: 'png', ...(exif ? { exif } : {}) };
}

function readWebp(bytes: Uint8Array): PhotoMetadata {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > bytes.length) {
    throw new PhotoError(`truncated WebP: it declares ${riffEnd} bytes, the file has ${bytes.length}`);
  }
  let exif: ExifBlock | undefined;
  let pos = 12;
  while (pos + 8 <= riffEnd) {
    const type = String.fromCharCode(...bytes.subarray(pos, pos + 4));
    const length = view.getUint32(pos + 4, true);
    const data = pos + 8;
    if (data + length > riffEnd) {
      throw new PhotoError(
        `truncated WebP: its ${type.trim()} chunk at byte ${pos} declares ${length} bytes`,
      );
    }
    if (type === 'EXIF' && !exif) {
      const parsed = parseExifBuffer(bytes.subarray(data, data + length));
      if (parsed) exif = shift(parsed, data);
    }
    pos = data + length + (length % 2);
  }
  return { format: 'webp', ...(exif ? { exif } : {}) };
}

/** A block parsed from a subarray, with its offsets moved to the whole file's. */
function shift(block: ExifBlock, by: number): ExifBlock {
  if (by === 0) return block;
  const move = (value: ValueAt): ValueAt => ({ ...value, at: value.at + by });
  return {
    ...block,
    start: block.start + by,
    end: block.end + by,
    ...(block.orientationAt ? { orientationAt: move(block.orientationAt) } : {}),
    ...(block.pixelDimensionsAt
      ? { pixelDimensionsAt: [move(block.pixelDimensionsAt[0]), move(block.pixelDimensionsAt[1])] }
      : {}),
  };
}

// --- TIFF structure (EXIF) ----------------------------------------------

const TAG = {
  Orientation: 0x0112,
  ExifIFD: 0x8769,
  DateTimeOriginal: 0x9003,
  CreateDate: 0x9004,
  OffsetTime: 0x9010,
  OffsetTimeOriginal: 0x9011,
  OffsetTimeDigitized: 0x9012,
  PixelXDimension: 0xa002,
  PixelYDimension: 0xa003,
} as const;

/** Bytes per value of each TIFF field type. */
const TYPE_SIZE: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};

interface Field {
  type: number;
  count: number;
  /** Absolute offset of the value. */
  at: number;
}

/** Parses the TIFF structure in bytes[start, end): IFD0 and the EXIF sub-IFD; maker notes and the rest are left as bytes. */
export function parseTiff(bytes: Uint8Array, start: number, end: number): ExifBlock {
  const length = end - start;
  const corrupt = (detail: string) => new PhotoError(`corrupt EXIF: ${detail}`);
  if (length < 8) throw corrupt(`${length} bytes is too short for a TIFF header`);
  const order = String.fromCharCode(bytes[start]!, bytes[start + 1]!);
  if (order !== 'II' && order !== 'MM') throw corrupt(`no byte-order mark (found "${order}")`);
  const littleEndian = order === 'II';
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, length);
  const u16 = (at: number) => view.getUint16(at, littleEndian);
  const u32 = (at: number) => view.getUint32(at, littleEndian);
  if (u16(2) !== 42) throw corrupt(`the TIFF header's magic number is ${u16(2)}, not 42`);

  const readIfd = (offset: number, name: string): Map<number, Field> => {
    if (offset < 8 || offset + 2 > length) {
      throw corrupt(`${name} at offset ${offset} is outside the ${length}-byte EXIF block`);
    }
    const count = u16(offset);
    if (offset + 2 + count * 12 > length) {
      throw corrupt(
        `${name} at offset ${offset} lists ${count} entries, past the end of the ${length}-byte EXIF block`,
      );
    }
    const fields = new Map<number, Field>();
    for (let i = 0; i < count; i++) {
      const entry = offset + 2 + i * 12;
      const type = u16(entry + 2);
      const valueCount = u32(entry + 4);
      const bytesNeeded = (TYPE_SIZE[type] ?? 0) * valueCount;
      if (!TYPE_SIZE[type]) continue; // an unknown type: skip it, as readers do
      const at = bytesNeeded <= 4 ? entry + 8 : u32(entry + 8);
      // A value out of bounds makes only that tag unreadable, and only the tags read here matter.
      if (at + bytesNeeded > length) {
        fields.set(u16(entry), { type, count: -1, at });
        continue;
      }
      fields.set(u16(entry), { type, count: valueCount, at });
    }
    return fields;
  };
  const valueAt = (field: Field | undefined): ValueAt | undefined => {
    if (field?.count !== 1) return undefined;
    if (field.type === 3) return { at: start + field.at, size: 2, littleEndian };
    if (field.type === 4) return { at: start + field.at, size: 4, littleEndian };
    return undefined;
  };
  const integer = (value: ValueAt | undefined) =>
    value === undefined ? undefined : value.size === 2 ? u16(value.at - start) : u32(value.at - start);
  const text = (field: Field | undefined, name: string): string | undefined => {
    if (!field) return undefined;
    if (field.count < 0) throw corrupt(`${name} points outside the EXIF block`);
    if (field.type !== 2 && field.type !== 7) return undefined;
    // Dates and offsets are a few dozen bytes; a longer count is read only that far.
    const raw = bytes.subarray(start + field.at, start + field.at + Math.min(field.count, 64));
    const nul = raw.indexOf(0);
    const value = String.fromCharCode(...(nul < 0 ? raw : raw.subarray(0, nul))).trim();
    return value || undefined;
  };

  const ifd0 = readIfd(u32(4), 'IFD0');
  const block: ExifBlock = { start, end, tags: {} };
  const orientationField = ifd0.get(TAG.Orientation);
  if (orientationField && orientationField.count < 0)
    throw corrupt('Orientation points outside the EXIF block');
  const orientationAt = valueAt(orientationField);
  if (orientationAt) {
    block.orientationAt = orientationAt;
    block.tags.orientation = integer(orientationAt) ?? 1;
  }
  const exifPointer = ifd0.get(TAG.ExifIFD);
  if (exifPointer && (exifPointer.type === 4 || exifPointer.type === 13) && exifPointer.count >= 1) {
    const exifIfd = readIfd(u32(exifPointer.at), 'the EXIF IFD');
    block.hasExifIfd = true;
    const tags = block.tags;
    const set = (key: keyof Omit<ExifTags, 'orientation'>, tag: number, name: string) => {
      const value = text(exifIfd.get(tag), name);
      if (value !== undefined) tags[key] = value;
    };
    set('dateTimeOriginal', TAG.DateTimeOriginal, 'DateTimeOriginal');
    set('createDate', TAG.CreateDate, 'CreateDate');
    set('offsetTime', TAG.OffsetTime, 'OffsetTime');
    set('offsetTimeOriginal', TAG.OffsetTimeOriginal, 'OffsetTimeOriginal');
    set('offsetTimeDigitized', TAG.OffsetTimeDigitized, 'OffsetTimeDigitized');
    const x = valueAt(exifIfd.get(TAG.PixelXDimension));
    const y = valueAt(exifIfd.get(TAG.PixelYDimension));
    if (x && y && x.size === y.size) block.pixelDimensionsAt = [x, y];
  }
  return block;
}

/** Writes an integer in place (a copy's bytes, never the caller's original). */
export function writeValue(bytes: Uint8Array, value: ValueAt, n: number): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (value.size === 2) view.setUint16(value.at, n, value.littleEndian);
  else view.setUint32(value.at, n, value.littleEndian);
}

export function readValue(bytes: Uint8Array, value: ValueAt): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return value.size === 2
    ? view.getUint16(value.at, value.littleEndian)
    : view.getUint32(value.at, value.littleEndian);
}
