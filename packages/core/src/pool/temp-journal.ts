// Which temporary output files a worker thread has open, kept on disk in the
// data directory, so that files a killed process left (kill -9 mid-write) are
// removed when the next engine opens the directory. A worker appends a path
// before the file exists and truncates its journal whenever it has none open,
// so a journal stays a few lines. Temporary names carry the engine's owner
// token (`name.tmp-<owner><random>`): only a name the journal's owner made is
// ever removed, never a user's file that happens to sit at a journaled path.
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
} from 'node:fs';
import { basename, join } from 'node:path';

/** Where an engine's workers keep their journals, under its data directory. */
export const TEMP_JOURNALS = 'temp-files';

/** An engine's owner token: hex, so a temporary name stays `name.tmp-<hex>` (the watcher skips those). */
export function newTempOwner(): string {
  return randomBytes(4).toString('hex');
}

/** A journal's file: its owner first, so a reader knows which names it may remove. */
export function journalFile(dir: string, owner: string, thread: string): string {
  return join(dir, `${owner}-${thread}.log`);
}

/**
 * Worker side: one thread's journal. No file descriptor is held: a terminated thread's would
 * stay open in the process for ever.
 */
export class TempJournal {
  private readonly open = new Set<string>();

  constructor(private readonly file: string) {}

  add(path: string): void {
    // A path handed out by atomicTempPath alone is never told removed: it goes once its file is
    // gone, and the journal with it when none is left (it grew a line per write for ever).
    const had = this.open.size;
    for (const old of this.open) if (!existsSync(old)) this.open.delete(old);
    if (had > 0 && this.open.size === 0) truncateSync(this.file, 0);
    this.open.add(path);
    appendFileSync(this.file, `+${JSON.stringify(path)}\n`);
  }

  remove(path: string): void {
    if (!this.open.delete(path)) return;
    if (this.open.size === 0) truncateSync(this.file, 0);
    else appendFileSync(this.file, `-${JSON.stringify(path)}\n`);
  }
}

/** Removes the temporary files a journal lists as open, and the journal; returns how many it removed. */
export function removeJournaled(file: string): number {
  const owner = basename(file).split('-')[0]!;
  const ours = new RegExp(`\\.tmp-${owner}[0-9a-f]{12}$`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 0;
  }
  const open = new Set<string>();
  for (const line of text.split('\n')) {
    if (line.length < 2) continue;
    let path: unknown;
    try {
      path = JSON.parse(line.slice(1));
    } catch {
      continue; // a line cut short by the kill
    }
    if (typeof path !== 'string') continue;
    if (line[0] === '+') open.add(path);
    else open.delete(path);
  }
  let removed = 0;
  for (const path of open) {
    if (!ours.test(path) || !existsSync(path)) continue;
    rmSync(path, { force: true });
    removed++;
  }
  rmSync(file, { force: true });
  return removed;
}

/**
 * Engine side, on open: every journal in `dir` is a stopped engine's (the data directory's lock
 * admits one engine at a time, and this one's own come later), so their files are removed.
 */
export function removeLeftTemps(dir: string): number {
  mkdirSync(dir, { recursive: true });
  let removed = 0;
  for (const name of readdirSync(dir)) if (name.endsWith('.log')) removed += removeJournaled(join(dir, name));
  return removed;
}
