// The folder's journal: what the watcher has claimed, which job runs it, and
// the moves planned to finish it, so a restart after a crash finishes or
// redoes exactly what was left. An fsynced JSON-lines file beside the folder
// (not SQLite): hot folders often live on network shares, where SQLite's WAL
// is unsafe, and appending one line per step is all that is needed.
import { closeSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { writeFileAtomic } from '@threadline/core';

/** One move of a finishing plan; `to: null` deletes `from`. */
export interface Move {
  from: string;
  to: string | null;
}

/** How a claim ends, decided before any file moves so a restart can repeat it exactly. */
export interface Plan {
  ok: boolean;
  moves: Move[];
  /** For a failure: the `.error.txt` to write, and what it says. */
  errorFile?: string;
  errorText?: string;
  /** The line to print when the plan is carried out. */
  line: string;
}

export type JournalEntry =
  | { c: string; t: 'claim'; name: string; at: number }
  | { c: string; t: 'job'; jobId: string | null }
  | { c: string; t: 'plan'; plan: Plan }
  | { c: string; t: 'end' };

/** What the journal says about one claim that has not ended. */
export interface OpenClaim {
  id: string;
  name?: string;
  claimedAt?: number;
  jobId?: string;
  plan?: Plan;
}

export class Journal {
  private fd: number;

  private constructor(private readonly file: string) {
    this.fd = openSync(file, 'a');
  }

  /**
   * Reads the journal and rewrites it with only the claims that have not ended.
   * Rewriting also drops a line torn by a crash, so later appends start clean.
   */
  static async load(file: string): Promise<{ journal: Journal; open: OpenClaim[] }> {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const open = new Map<string, OpenClaim>();
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      if (!entry) continue;
      if (entry.t === 'end') {
        open.delete(entry.c);
        continue;
      }
      const claim = open.get(entry.c) ?? { id: entry.c };
      if (entry.t === 'claim') Object.assign(claim, { name: entry.name, claimedAt: entry.at });
      else if (entry.t === 'job') {
        if (entry.jobId) claim.jobId = entry.jobId;
        else delete claim.jobId; // our own stop cancelled it: start afresh
      } else claim.plan = entry.plan;
      open.set(entry.c, claim);
    }
    await writeFileAtomic(file, [...open.values()].flatMap(toEntries).map(formatLine).join(''));
    return { journal: new Journal(file), open: [...open.values()] };
  }

  /** Appends and fsyncs: when this returns, the entry survives a kill. */
  append(entry: JournalEntry): void {
    writeSync(this.fd, formatLine(entry));
    fdatasyncSync(this.fd);
  }

  close(): void {
    closeSync(this.fd);
  }

  get path(): string {
    return this.file;
  }
}

function toEntries(claim: OpenClaim): JournalEntry[] {
  const entries: JournalEntry[] = [];
  if (claim.name !== undefined) {
    entries.push({ c: claim.id, t: 'claim', name: claim.name, at: claim.claimedAt ?? Date.now() });
  }
  if (claim.jobId) entries.push({ c: claim.id, t: 'job', jobId: claim.jobId });
  if (claim.plan) entries.push({ c: claim.id, t: 'plan', plan: claim.plan });
  return entries;
}

const formatLine = (entry: JournalEntry) => `${JSON.stringify(entry)}\n`;

function parseLine(line: string): JournalEntry | undefined {
  if (!line.trim()) return undefined;
  try {
    const entry = JSON.parse(line) as JournalEntry;
    return typeof entry.c === 'string' && typeof entry.t === 'string' ? entry : undefined;
  } catch {
    return undefined; // a line torn by a kill: its step never took effect (we fsync before acting)
  }
}
