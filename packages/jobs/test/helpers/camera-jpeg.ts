// JPEGs laid out the way cameras and photo editors write them, segment by
// segment, byte by byte: an APP0 JFIF header, an APP2 ICC profile, a large
// XMP packet and an APP13 IPTC block before the APP1 EXIF segment (so EXIF
// sits several kilobytes in), EXIF with IFD0, an EXIF IFD, a Canon-style maker
// note whose values are addressed from the TIFF header, and IFD1 with a
// thumbnail; little- or big-endian. Only the compressed pixels come from sharp
// (its tables, frame header and scan); every metadata byte is written here.
//
// The scene is four coloured quadrants, so each of the eight orientations
// (mirrors included) puts a different colour in each corner.
import sharp from 'sharp';

export const QUADRANTS = {
  topLeft: [220, 30, 30],
  topRight: [30, 200, 30],
  bottomLeft: [30, 30, 220],
  bottomRight: [230, 220, 30],
} as const;

/** The scene as a viewer should show it: width × height, RGB. */
export function uprightScene(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const left = x < width / 2;
      const top = y < height / 2;
      const colour = top
        ? left
          ? QUADRANTS.topLeft
          : QUADRANTS.topRight
        : left
          ? QUADRANTS.bottomLeft
          : QUADRANTS.bottomRight;
      pixels.set(colour, (y * width + x) * 3);
    }
  }
  return pixels;
}

/**
 * The pixels a camera stores for a scene shown upright with EXIF orientation
 * `o` (TIFF 6.0: where the stored 0th row and 0th column go), computed from
 * the definition, not from any image library.
 */
export function storedPixels(
  scene: Buffer,
  width: number,
  height: number,
  o: number,
): { pixels: Buffer; width: number; height: number } {
  const turned = o >= 5;
  const sw = turned ? height : width;
  const sh = turned ? width : height;
  const pixels = Buffer.alloc(sw * sh * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Display (x, y) shows stored (sx, sy).
      const [sx, sy] = (
        {
          1: [x, y],
          2: [width - 1 - x, y],
          3: [width - 1 - x, height - 1 - y],
          4: [x, height - 1 - y],
          5: [y, x],
          6: [y, width - 1 - x],
          7: [height - 1 - y, width - 1 - x],
          8: [height - 1 - y, x],
        } as Record<number, [number, number]>
      )[o]!;
      scene.copy(pixels, (sy * sw + sx) * 3, (y * width + x) * 3, (y * width + x) * 3 + 3);
    }
  }
  return { pixels, width: sw, height: sh };
}

// --- TIFF (EXIF) writer ----------------------------------------------------

type Value =
  | { type: 'ascii'; text: string }
  | { type: 'short' | 'long'; values: number[] }
  | { type: 'rational'; values: [number, number][] }
  | { type: 'undefined'; bytes: Buffer };
interface Entry {
  tag: number;
  value: Value;
}
const TYPE = { ascii: 2, short: 3, long: 4, rational: 5, undefined: 7 } as const;

function encodeValue(value: Value, le: boolean): { bytes: Buffer; count: number } {
  const sized = (n: number) => Buffer.alloc(n);
  switch (value.type) {
    case 'ascii': {
      const bytes = Buffer.from(`${value.text}\0`, 'latin1');
      return { bytes, count: bytes.length };
    }
    case 'short': {
      const bytes = sized(2 * value.values.length);
      for (const [i, v] of value.values.entries()) {
        if (le) bytes.writeUInt16LE(v, i * 2);
        else bytes.writeUInt16BE(v, i * 2);
      }
      return { bytes, count: value.values.length };
    }
    case 'long': {
      const bytes = sized(4 * value.values.length);
      for (const [i, v] of value.values.entries()) {
        if (le) bytes.writeUInt32LE(v, i * 4);
        else bytes.writeUInt32BE(v, i * 4);
      }
      return { bytes, count: value.values.length };
    }
    case 'rational': {
      const bytes = sized(8 * value.values.length);
      value.values.forEach(([n, d], i) => {
        if (le) {
          bytes.writeUInt32LE(n, i * 8);
          bytes.writeUInt32LE(d, i * 8 + 4);
        } else {
          bytes.writeUInt32BE(n, i * 8);
          bytes.writeUInt32BE(d, i * 8 + 4);
        }
      });
      return { bytes, count: value.values.length };
    }
    case 'undefined':
      return { bytes: value.bytes, count: value.bytes.length };
  }
}

/** An IFD at absolute offset `at` (from the TIFF header), its out-of-line values right after it. */
function encodeIfd(
  entries: Entry[],
  at: number,
  next: number,
  le: boolean,
): { bytes: Buffer; valueAt: Map<number, number> } {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  const head = Buffer.alloc(2 + 12 * sorted.length + 4);
  const u16 = (v: number, o: number) => (le ? head.writeUInt16LE(v, o) : head.writeUInt16BE(v, o));
  const u32 = (v: number, o: number) => (le ? head.writeUInt32LE(v, o) : head.writeUInt32BE(v, o));
  u16(sorted.length, 0);
  const data: Buffer[] = [];
  let dataAt = at + head.length;
  const valueAt = new Map<number, number>();
  sorted.forEach((entry, i) => {
    const o = 2 + 12 * i;
    const { bytes, count } = encodeValue(entry.value, le);
    u16(entry.tag, o);
    u16(TYPE[entry.value.type], o + 2);
    u32(count, o + 4);
    if (bytes.length <= 4) {
      bytes.copy(head, o + 8);
      valueAt.set(entry.tag, at + o + 8);
    } else {
      u32(dataAt, o + 8);
      valueAt.set(entry.tag, dataAt);
      const padded = bytes.length % 2 ? Buffer.concat([bytes, Buffer.alloc(1)]) : bytes;
      data.push(padded);
      dataAt += padded.length;
    }
  });
  u32(next, head.length - 4);
  return { bytes: Buffer.concat([head, ...data]), valueAt };
}

export interface ExifSpec {
  orientation?: number;
  littleEndian?: boolean;
  dateTimeOriginal?: string;
  createDate?: string;
  offsetTime?: string;
  offsetTimeOriginal?: string;
  offsetTimeDigitized?: string;
  /** Stored pixel size, written as PixelXDimension and PixelYDimension. */
  width?: number;
  height?: number;
  thumbnail?: Buffer;
  /** The camera owner's name in the maker note (read back through exiftool). */
  owner?: string;
}

/** A TIFF structure as cameras write one into APP1: IFD0 → EXIF IFD (→ maker note), IFD1 with a thumbnail. */
export function exifTiff(spec: ExifSpec): Buffer {
  const le = spec.littleEndian ?? true;
  let positions = { exif: 0, maker: 0, ifd1: 0, thumb: 0 };
  let result = Buffer.alloc(0);
  for (let pass = 0; pass < 3; pass++) {
    const ifd0Entries: Entry[] = [
      { tag: 0x010f, value: { type: 'ascii', text: 'Canon' } },
      { tag: 0x0110, value: { type: 'ascii', text: 'Canon EOS 5D Mark IV' } },
      { tag: 0x011a, value: { type: 'rational', values: [[72, 1]] } },
      { tag: 0x011b, value: { type: 'rational', values: [[72, 1]] } },
      { tag: 0x0128, value: { type: 'short', values: [2] } },
      { tag: 0x0131, value: { type: 'ascii', text: 'Firmware Version 1.2.3' } },
      { tag: 0x0132, value: { type: 'ascii', text: '2024:01:01 00:00:00' } },
      { tag: 0x0213, value: { type: 'short', values: [2] } },
      { tag: 0x8769, value: { type: 'long', values: [positions.exif] } },
    ];
    if (spec.orientation !== undefined)
      ifd0Entries.push({ tag: 0x0112, value: { type: 'short', values: [spec.orientation] } });
    const ifd0 = encodeIfd(ifd0Entries, 8, spec.thumbnail ? positions.ifd1 : 0, le);
    const exifAt = 8 + ifd0.bytes.length;
    // Canon's maker note: a bare IFD whose out-of-line values are addressed from the TIFF header.
    const maker = encodeIfd(
      [
        { tag: 0x0006, value: { type: 'ascii', text: 'Canon EOS 5D Mark IV' } },
        { tag: 0x0007, value: { type: 'ascii', text: 'Firmware Version 1.2.3' } },
        { tag: 0x0009, value: { type: 'ascii', text: spec.owner ?? 'Ada Lovelace' } },
      ],
      positions.maker,
      0,
      le,
    ).bytes;
    const exifEntries: Entry[] = [
      { tag: 0x829a, value: { type: 'rational', values: [[1, 125]] } },
      { tag: 0x829d, value: { type: 'rational', values: [[28, 10]] } },
      { tag: 0x8827, value: { type: 'short', values: [400] } },
      { tag: 0x9000, value: { type: 'undefined', bytes: Buffer.from('0231') } },
      { tag: 0x9291, value: { type: 'ascii', text: '42' } },
      { tag: 0x927c, value: { type: 'undefined', bytes: maker } },
      { tag: 0xa001, value: { type: 'short', values: [1] } },
    ];
    const text = (tag: number, value: string | undefined) => {
      if (value !== undefined) exifEntries.push({ tag, value: { type: 'ascii', text: value } });
    };
    text(0x9003, spec.dateTimeOriginal);
    text(0x9004, spec.createDate);
    text(0x9010, spec.offsetTime);
    text(0x9011, spec.offsetTimeOriginal);
    text(0x9012, spec.offsetTimeDigitized);
    if (spec.width && spec.height) {
      exifEntries.push({ tag: 0xa002, value: { type: 'long', values: [spec.width] } });
      exifEntries.push({ tag: 0xa003, value: { type: 'long', values: [spec.height] } });
    }
    const exif = encodeIfd(exifEntries, exifAt, 0, le);
    const ifd1At = exifAt + exif.bytes.length;
    const parts = [ifd0.bytes, exif.bytes];
    let thumbAt = 0;
    if (spec.thumbnail) {
      const ifd1 = encodeIfd(
        [
          { tag: 0x0103, value: { type: 'short', values: [6] } },
          { tag: 0x011a, value: { type: 'rational', values: [[72, 1]] } },
          { tag: 0x011b, value: { type: 'rational', values: [[72, 1]] } },
          { tag: 0x0128, value: { type: 'short', values: [2] } },
          { tag: 0x0201, value: { type: 'long', values: [positions.thumb] } },
          { tag: 0x0202, value: { type: 'long', values: [spec.thumbnail.length] } },
        ],
        ifd1At,
        0,
        le,
      );
      thumbAt = ifd1At + ifd1.bytes.length;
      parts.push(ifd1.bytes, spec.thumbnail);
    }
    const header = Buffer.from(le ? [0x49, 0x49, 0x2a, 0, 8, 0, 0, 0] : [0x4d, 0x4d, 0, 0x2a, 0, 0, 0, 8]);
    result = Buffer.concat([header, ...parts]);
    positions = { exif: exifAt, maker: exif.valueAt.get(0x927c)!, ifd1: ifd1At, thumb: thumbAt };
  }
  return result;
}

// --- JPEG segments -----------------------------------------------------------

export const segment = (marker: number, payload: Buffer): Buffer => {
  if (payload.length + 2 > 0xffff) throw new Error(`segment too large: ${payload.length}`);
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
};

export const jfif = () => segment(0xe0, Buffer.from([...Buffer.from('JFIF\0'), 1, 2, 1, 0, 72, 0, 72, 0, 0]));

export const icc = (profile: Buffer) =>
  segment(0xe2, Buffer.concat([Buffer.from('ICC_PROFILE\0', 'latin1'), Buffer.from([1, 1]), profile]));

/** An XMP packet as Lightroom and phones write it, with its copy of the orientation and the usual padding. */
export function xmp(orientation: number | undefined, padding = 8000): Buffer {
  const packet = `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 7.0-c000">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:dc="http://purl.org/dc/elements/1.1/" xmp:Rating="4" xmp:CreatorTool="Adobe Lightroom Classic 13.0"${
      orientation === undefined ? '' : ` tiff:Orientation="${orientation}"`
    }>
   <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li><rdf:li>beach</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
${' '.repeat(padding)}
<?xpacket end="w"?>`;
  return segment(
    0xe1,
    Buffer.concat([Buffer.from('http://ns.adobe.com/xap/1.0/\0', 'latin1'), Buffer.from(packet, 'utf8')]),
  );
}

/** Photoshop's APP13 with an IPTC caption (record 2, dataset 120). */
export function iptc(caption: string): Buffer {
  const text = Buffer.from(caption, 'utf8');
  const record = Buffer.concat([Buffer.from([0x1c, 2, 120, text.length >> 8, text.length & 0xff]), text]);
  const size = Buffer.alloc(4);
  size.writeUInt32BE(record.length);
  const resource = Buffer.concat([
    Buffer.from('8BIM', 'latin1'),
    Buffer.from([0x04, 0x04, 0, 0]), // IPTC-NAA, empty name (padded to even)
    size,
    record,
    record.length % 2 ? Buffer.alloc(1) : Buffer.alloc(0),
  ]);
  return segment(0xed, Buffer.concat([Buffer.from('Photoshop 3.0\0', 'latin1'), resource]));
}

export const exifSegment = (tiff: Buffer) =>
  segment(0xe1, Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]));

/** sharp's encoding of raw pixels, without its own metadata: tables, frame header, scans, end marker. */
export async function encodedPixels(pixels: Buffer, width: number, height: number): Promise<Buffer> {
  const jpeg = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 95 })
    .toBuffer();
  const kept: Buffer[] = [];
  let at = 2;
  for (;;) {
    const marker = jpeg[at + 1]!;
    const length = jpeg.readUInt16BE(at + 2);
    if (marker === 0xda) {
      kept.push(jpeg.subarray(at));
      break;
    }
    if (marker < 0xe0 || marker > 0xef) kept.push(jpeg.subarray(at, at + 2 + length));
    at += 2 + length;
  }
  return Buffer.concat(kept);
}

let srgb: Promise<Buffer> | undefined;
/** An sRGB ICC profile (libvips ships one), as the bytes a camera embeds. */
export function srgbProfile(): Promise<Buffer> {
  srgb ??= sharp({ create: { width: 1, height: 1, channels: 3, background: 'white' } })
    .withIccProfile('srgb')
    .jpeg()
    .toBuffer()
    .then((jpeg) => sharp(jpeg).metadata())
    .then((meta) => meta.icc!);
  return srgb;
}

export interface CameraJpegSpec extends Omit<ExifSpec, 'width' | 'height' | 'thumbnail'> {
  /** The scene's size as shown upright. */
  width: number;
  height: number;
  /** 'editor': JFIF, ICC, XMP and IPTC before EXIF (EXIF kilobytes in); 'camera': EXIF first, then the rest. */
  layout?: 'editor' | 'camera';
}

/** A whole JPEG of the four-quadrant scene, stored in `spec.orientation`. */
export async function cameraJpeg(spec: CameraJpegSpec): Promise<Buffer> {
  const o = spec.orientation ?? 1;
  const stored = storedPixels(uprightScene(spec.width, spec.height), spec.width, spec.height, o);
  const thumbScene = storedPixels(uprightScene(16, 12), 16, 12, o);
  const thumbnail = await sharp(thumbScene.pixels, {
    raw: { width: thumbScene.width, height: thumbScene.height, channels: 3 },
  })
    .jpeg({ quality: 70 })
    .toBuffer();
  const exif = exifSegment(exifTiff({ ...spec, width: stored.width, height: stored.height, thumbnail }));
  const others = [jfif(), icc(await srgbProfile()), xmp(spec.orientation), iptc('Sunset over the bay')];
  const metadata = spec.layout === 'camera' ? [exif, ...others.slice(1)] : [...others, exif];
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    ...metadata,
    await encodedPixels(stored.pixels, stored.width, stored.height),
  ]);
}

/** Mean absolute difference per channel between two same-sized RGB buffers. */
export function meanDifference(a: Buffer, b: Buffer): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}
