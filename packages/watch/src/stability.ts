// When a file is finished: its size and mtime have stayed the same for
// `stableMs`. Size alone misses writers that preallocate and fill in later;
// mtime alone misses coarse-grained filesystem clocks. Every event about a
// file (a watch event, a rescan) asks for a look; each look is one stat, and
// a pending file is looked at least once a second, never by re-reading the folder.
// A file that has settled is taken only when no process still has it open for
// writing (`writers`, see writers.ts): a writer may pause for longer than the window.
// With a backlog a settled file can wait minutes for its turn, and a process may
// open it for writing meanwhile without changing its size or mtime yet: its claim
// asks again (recheckWriters), in one scan with the other waiting files as stale.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/** A file as it was when found stable: the runner checks it is still so when it takes it. */
export interface Snapshot {
  size: number;
  mtimeMs: number;
  /** When no writer was last found holding it (performance.now()). */
  checkedAt: number;
}

/** A look for writers younger than this is trusted at claim time: as fresh as a scan on a busy machine. */
export const RECHECK_MS = 1000;

/**
 * At the claim of `name`: which of it and the files `waiting` behind it (their look for writers
 * older than `recheckMs`) some process has open for writing now, and by which pid. They are asked
 * together, so one scan answers for the whole backlog: a scan per `recheckMs`, not one per claim.
 * Those found closed are marked checked now.
 */
export async function recheckWriters(
  name: string,
  stable: Snapshot,
  waiting: ReadonlyMap<string, Snapshot>,
  writerOf: (name: string) => Promise<number | undefined>,
  recheckMs = RECHECK_MS,
): Promise<Map<string, number>> {
  const held = new Map<string, number>();
  const started = performance.now();
  if (started - stable.checkedAt < recheckMs) return held;
  const due: [string, Snapshot][] = [[name, stable]];
  for (const [other, snapshot] of waiting) {
    if (other !== name && started - snapshot.checkedAt >= recheckMs) due.push([other, snapshot]);
  }
  const pids = await Promise.all(due.map(([path]) => writerOf(path)));
  due.forEach(([path, snapshot], i) => {
    const pid = pids[i];
    if (pid === undefined) snapshot.checkedAt = started;
    else held.set(path, pid);
  });
  return held;
}

interface Seen extends Omit<Snapshot, 'checkedAt'> {
  /** When size or mtime last changed, as far as we saw. */
  changedAt: number;
  /** The writer last found holding it, said once. */
  heldBy: number | undefined;
  timer: NodeJS.Timeout | undefined;
}

export class StabilityGate {
  private readonly seen = new Map<string, Seen>();
  private closed = false;

  constructor(
    private readonly folder: string,
    private readonly stableMs: number,
    /** Called once per file when it has been stable long enough. */
    private readonly onStable: (name: string, stable: Snapshot) => void,
    private readonly writers: {
      /** The pid of a process that has the file open for writing; asked only once it has settled. */
      writerOf: (name: string, last: number | undefined) => Promise<number | undefined>;
      /** Once per file and writer: a settled file is waiting for that process to close it. */
      onHeld: (name: string, pid: number) => void;
    } = { writerOf: async () => undefined, onHeld: () => undefined },
  ) {}

  /** Something happened to the file (or it was found): (re)check it. */
  touch(name: string): void {
    if (this.closed) return;
    const seen = this.seen.get(name);
    if (seen) {
      // A pending check already watches it; an event just means "look again soon".
      if (!seen.timer) this.schedule(name, seen, 0);
      return;
    }
    const fresh: Seen = {
      size: -1,
      mtimeMs: -1,
      changedAt: Date.now(),
      heldBy: undefined,
      timer: undefined,
    };
    this.seen.set(name, fresh);
    this.schedule(name, fresh, 0);
  }

  /** Forget a file (it was removed, or taken). */
  forget(name: string): void {
    const seen = this.seen.get(name);
    if (seen) clearTimeout(seen.timer);
    this.seen.delete(name);
  }

  has(name: string): boolean {
    return this.seen.has(name);
  }

  close(): void {
    this.closed = true;
    for (const seen of this.seen.values()) clearTimeout(seen.timer);
    this.seen.clear();
  }

  private schedule(name: string, seen: Seen, delay: number): void {
    clearTimeout(seen.timer);
    seen.timer = setTimeout(() => {
      seen.timer = undefined;
      void this.check(name, seen);
    }, delay);
  }

  private async check(name: string, seen: Seen): Promise<void> {
    const stats = await stat(join(this.folder, name)).catch(() => undefined);
    if (this.closed || this.seen.get(name) !== seen) return;
    if (!stats?.isFile()) {
      this.forget(name);
      return;
    }
    const now = Date.now();
    if (stats.size !== seen.size || stats.mtimeMs !== seen.mtimeMs) {
      seen.size = stats.size;
      seen.mtimeMs = stats.mtimeMs;
      seen.changedAt = now;
    }
    const waited = now - seen.changedAt;
    if (waited >= this.stableMs && seen.size >= 0) {
      const checkedAt = performance.now();
      const held = await this.writers.writerOf(name, seen.heldBy);
      if (this.closed || this.seen.get(name) !== seen) return;
      if (held !== undefined) {
        if (seen.heldBy !== held) this.writers.onHeld(name, held);
        seen.heldBy = held;
        // Settled but still open: its writer may go on. Look again (a stat, then a scan) shortly.
        this.schedule(name, seen, Math.min(Math.max(this.stableMs, 100), 1000));
        return;
      }
      this.forget(name);
      this.onStable(name, { size: seen.size, mtimeMs: seen.mtimeMs, checkedAt });
      return;
    }
    // Look again when it would be stable, but at least every second so a
    // writer that resumes is noticed without relying on events.
    this.schedule(name, seen, Math.min(Math.max(this.stableMs - waited, 10), 1000));
  }
}
