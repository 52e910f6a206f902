/** Keeps the first `max` entries of a list for a summary, which is stored and sent to every UI. */
export function capList<T>(list: T[], max = 100): { list: T[]; more: number } {
  return { list: list.slice(0, max), more: Math.max(0, list.length - max) };
}
