// Numbers as a person reads them in a progress message.

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** Keeps the first `max` entries of a list for a summary, which is stored and sent to every UI. */
export function capList<T>(list: T[], max = 100): { list: T[]; more: number } {
  return { list: list.slice(0, max), more: Math.max(0, list.length - max) };
}
