import { ValidationError } from './errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses '500ms', '30s', '5m', '1h', '1d' into milliseconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!match)
    throw new ValidationError(`invalid duration "${text}": use a number and a unit, like 30s, 5m or 1h`);
  const ms = Number(match[1]) * UNITS[match[2]!]!;
  if (ms < 10) throw new ValidationError(`duration "${text}" is too short`);
  return ms;
}
