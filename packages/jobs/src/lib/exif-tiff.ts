// EXIF's TIFF structure: the IFDs of a TIFF file or of an EXIF block inside
// another format, read bounds-checked into the tags photo.tidy needs and the
// places of the values it rewrites in place (orientation, pixel dimensions).

/** A file that cannot be tidied, with the reason (item errors show the message). */
export class PhotoError extends Error {
  override name = 'PhotoError';
}

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
