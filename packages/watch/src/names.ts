// File names: which ones a hot folder must leave alone (still being written
// under a temporary name), and free names in a destination folder.
import { extname } from 'node:path';

// Names copy tools, browsers, editors and sync clients write under before the
// final rename; a file is taken only once it carries its real name.
const TEMP_SUFFIXES = [
  '.part',
  '.partial',
  '.crdownload',
  '.download',
  '.tmp',
  '.temp',
  '.swp',
  '.swx',
  '.filepart',
  '.!qb',
  '~',
];
const SYSTEM_FILES = new Set(['thumbs.db', 'desktop.ini', 'threadline.watch.json']);
// writeFileAtomic's own temporary files (`name.tmp-<hex>`).
const ATOMIC_TEMP = /\.tmp-[0-9a-f]+$/i;

/** True for names that are temporary, hidden or system files, which the watcher never takes. */
export function isIgnoredName(name: string): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith('.') || lower.startsWith('~$')) return true;
  if (SYSTEM_FILES.has(lower) || ATOMIC_TEMP.test(lower)) return true;
  return TEMP_SUFFIXES.some((suffix) => lower.endsWith(suffix));
}

/** `photo.jpg` → `photo`; `archive.tar.gz` → `archive.tar`; `.env` and `README` keep their name. */
export function stemOf(name: string): string {
  const ext = extname(name);
  return ext ? name.slice(0, -ext.length) : name;
}

/**
 * Names for a group of files that go to one folder together (an output and its
 * sidecars, e.g. `a.txt` and `a.txt.sha256`): as they are when all are free, else
 * each with the same ` (n)` after the source's stem, so the group stays recognisable.
 */
export function freeNames(names: string[], sourceStem: string, taken: (name: string) => boolean): string[] {
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? names : names.map((name) => withCounter(name, sourceStem, n));
    if (candidate.every((name) => !taken(name)) && new Set(candidate).size === candidate.length) {
      return candidate;
    }
  }
}

function withCounter(name: string, sourceStem: string, n: number): string {
  if (sourceStem && name.startsWith(sourceStem)) {
    return `${sourceStem} (${n})${name.slice(sourceStem.length)}`;
  }
  const stem = stemOf(name);
  return `${stem} (${n})${name.slice(stem.length)}`;
}
