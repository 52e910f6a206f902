// The folder's journal: what the watcher has claimed, which job runs it, and
// the moves planned to finish it, so a restart after a crash finishes or
// redoes exactly what was left. An fsynced JSON-lines file beside the folder
// (not SQLite): hot folders often live on network shares, where SQLite's WAL
// is unsafe, and appending one line per step is all that is needed.
import { readFileSync } from 'node:fs';
import { type FileHandle, open as openFile } from 'node:fs/promises';
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

interface Pending {
  line: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class Journal {
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;

  private constructor(
    private readonly file: string,
    private readonly handle: FileHandle,
  ) {}

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
    return { journal: new Journal(file, await openFile(file, 'a')), open: [...open.values()] };
  }

  /**
   * Appends and fsyncs: when the promise resolves, the entry survives a kill.
   * Entries appended while a sync is in flight share the next one (a sync costs
   * ~3 ms here, and a blocking one stalled the in-process engine too).
   */
  append(entry: JournalEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: formatLine(entry), resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        await this.handle.write(batch.map((entry) => entry.line).join(''));
        await this.handle.datasync();
        for (const entry of batch) entry.resolve();
      } catch (error) {
        for (const entry of batch) entry.reject(error);
      }
    }
    this.flushing = undefined;
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.handle.close();
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
