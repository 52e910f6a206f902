// When a photo was taken, from its EXIF tags. EXIF stores a wall-clock time
// ("2021:03:04 05:06:07") and, in newer cameras, its UTC offset; without the
// offset the time is taken as local, which is what a camera's clock showed.

const EXIF_DATE = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/;
const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

export interface TakenAt {
  date: Date;
  /** The wall-clock fields as the camera wrote them, for naming files. */
  wall: { YYYY: string; MM: string; DD: string; hh: string; mm: string; ss: string };
}

export function parseExifDate(raw: unknown, offset?: unknown): TakenAt | undefined {
  if (typeof raw !== 'string') return undefined;
  const match = EXIF_DATE.exec(raw.trim());
  if (!match) return undefined;
  const [, YYYY, MM, DD, hh, mm, ss] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const fields = [YYYY, MM, DD, hh, mm, ss].map(Number) as [number, number, number, number, number, number];
  // Cameras with an unset clock write "0000:00:00 00:00:00".
  if (fields[0] < 1800 || fields[1] < 1 || fields[1] > 12 || fields[2] < 1 || fields[2] > 31)
    return undefined;
  const offsetMatch = typeof offset === 'string' ? OFFSET.exec(offset.trim()) : null;
  let date: Date;
  if (offsetMatch) {
    const sign = offsetMatch[1] === '-' ? -1 : 1;
    const minutes = sign * (Number(offsetMatch[2]) * 60 + Number(offsetMatch[3]));
    date = new Date(
      Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]) - minutes * 60_000,
    );
  } else {
    date = new Date(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  }
  if (Number.isNaN(date.getTime())) return undefined;
  return { date, wall: { YYYY, MM, DD, hh, mm, ss } };
}

const TOKEN = /\{(YYYY|MM|DD|hh|mm|ss|name)\}/g;

/** Checks a rename pattern: known tokens only, no folder separators. Returns a reason, or undefined if fine. */
export function checkRenamePattern(pattern: string): string | undefined {
  if (/[/\\]/.test(pattern)) return 'the pattern names a file, so it cannot contain / or \\';
  const unknown = pattern.replace(TOKEN, '').match(/\{[^}]*\}/);
  if (unknown) return `unknown token ${unknown[0]}; use {YYYY} {MM} {DD} {hh} {mm} {ss} {name}`;
  if (pattern.search(TOKEN) === -1)
    return 'the pattern needs at least one token, or every photo gets the same name';
  return undefined;
}

/** The new base name (without extension) for a photo. */
export function renderName(pattern: string, taken: TakenAt, name: string): string {
  return pattern.replace(TOKEN, (_, token: keyof TakenAt['wall'] | 'name') =>
    token === 'name' ? name : taken.wall[token],
  );
}
