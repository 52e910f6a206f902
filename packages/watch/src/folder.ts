// One watched folder: recovers what a previous run left, notices files
// (see inbox.ts), waits until each is stable, claims it by rename and runs it.
// Every step costs O(1) per file, whatever the backlog: users drop folders of
// thousands of photos at once.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, realpath, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  type Claim,
  type FolderContext,
  finish,
  folderPaths,
  forgetJob,
  planFor,
  runClaim,
} from './claim.js';
import type { Rule } from './config.js';
import { Inbox } from './inbox.js';
import { Journal, type OpenClaim } from './journal.js';
import { lockFolder } from './lock.js';
import { isIgnoredName } from './names.js';
import { recheckWriters, type Snapshot, StabilityGate } from './stability.js';
import { WriterScan } from './writers.js';

const RESCAN_MS = 2000;

/** One per process: every folder's settled files share its scans of /proc. */
const writers = new WriterScan({ ignorePid: process.pid });

// Sortable by time, so recovered claims are redone oldest first.
const newClaimId = () => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export class FolderRunner {
  private readonly paths;
  private readonly stopping = new AbortController();
  private readonly gate: StabilityGate;
  /** Stable files in the order they became so (a Map keeps insertion order; taking the first is O(1)). */
  private readonly ready = new Map<string, Snapshot>();
  private readonly recovered: Claim[] = [];
  private readonly running = new Map<string, { claim: Claim; done: Promise<boolean> }>();
  private readonly unmatched = new Set<string>();
  private readonly claiming = new Set<Promise<unknown>>();
  /** Claims taken up and not yet finished (in processing/), including those whose job a stop cancels. */
  private readonly held = new Map<string, Claim>();
  /** Names being claimed (between the stat and the journalled rename), for `inFlight`. */
  private readonly claimingNames = new Set<string>();
  private journal: Journal | undefined;
  private unlock: (() => void) | undefined;
  private inbox: Inbox | undefined;
  /** The folder as the kernel names it in /proc/<pid>/fd (symlinks resolved). */
  private realFolder: string | undefined;

  constructor(private readonly ctxBase: Omit<FolderContext, 'journal' | 'signal'>) {
    this.paths = folderPaths(ctxBase.folder);
    this.gate = new StabilityGate(
      ctxBase.folder.path,
      ctxBase.folder.stableMs,
      (name, stable) => this.onStable(name, stable),
      {
        writerOf: (name, last) => writers.writerOf(this.realPath(name), last),
        onHeld: (name, pid) => this.ctx.print(`waiting for ${name}: still open for writing (pid ${pid})`),
      },
    );
  }

  /** A name in the folder as the kernel names it in /proc/<pid>/fd. */
  private realPath(name: string): string {
    return join(this.realFolder ?? this.folder.path, name);
  }

  private get ctx(): FolderContext {
    return { ...this.ctxBase, journal: this.journal!, signal: this.stopping.signal };
  }

  private get folder() {
    return this.ctxBase.folder;
  }

  /** Locks the folder, then finishes or queues for redoing what a previous run left claimed. */
  async open(): Promise<void> {
    await mkdir(this.paths.work, { recursive: true });
    await mkdir(this.paths.processing, { recursive: true });
    this.unlock = lockFolder(join(this.paths.state, 'lock'), this.folder.path);
    this.realFolder = await realpath(this.folder.path);
    const { journal, open } = await Journal.load(join(this.paths.state, 'journal.jsonl'));
    this.journal = journal;
    await this.recover(open);
  }

  private async recover(open: OpenClaim[]): Promise<void> {
    const byId = new Map(open.map((claim) => [claim.id, claim]));
    // Plans first: their moves were decided, some may be done; repeat them.
    for (const claim of open) {
      if (claim.plan) await this.ctx.finisher.run(() => finish(this.ctx, claim.id, claim.plan!, true));
    }
    for (const id of (await readdir(this.paths.processing)).sort()) {
      const dir = join(this.paths.processing, id);
      const entries = await readdir(dir).catch(() => undefined);
      if (!entries) continue; // a stray file, not a claim: not ours to touch
      const known = byId.get(id);
      if (known?.plan) continue;
      const name = entries.find((entry) => !isIgnoredName(entry)) ?? entries[0];
      if (!name) {
        await rmdir(dir); // killed between making the claim folder and the rename: nothing was taken
        continue;
      }
      const rule = this.ruleFor(name);
      if (!known) await this.journal!.append({ c: id, t: 'claim', name, at: Date.now() });
      this.recovered.push(this.makeClaim(id, name, rule ?? this.folder.rules[0]!, known ?? {}));
    }
    // Journal entries whose claim folder is gone and that have no plan: nothing left to do.
    const live = new Set(this.recovered.map((claim) => claim.id));
    for (const claim of open) {
      if (!claim.plan && !live.has(claim.id)) await this.journal!.append({ c: claim.id, t: 'end' });
    }
    for (const id of await readdir(this.paths.work)) {
      if (!live.has(id)) await rm(join(this.paths.work, id), { recursive: true, force: true });
    }
  }

  /** How many claims a previous run left that this one redoes. */
  get recoveredCount(): number {
    return this.recovered.length;
  }

  /** Starts noticing files: those already there, then each that arrives. */
  async watch(): Promise<void> {
    const root = this.folder.path;
    // Our own folders inside the watched one; --out may be one too (it is the default).
    const reserved = new Set(
      [this.paths.processing, this.paths.failed, this.paths.originals, this.paths.state, this.folder.out]
        .filter((path) => join(path, '..') === root)
        .map((path) => basename(path)),
    );
    this.inbox = new Inbox(root, {
      reserved,
      rescanMs: RESCAN_MS,
      onName: (name, listed) => this.notice(name, listed),
      onRescan: (files) => {
        // A name no rule takes is reported again if it leaves and comes back.
        for (const name of this.unmatched) if (!files.has(name)) this.unmatched.delete(name);
      },
      print: (line) => this.ctx.print(line),
    });
    this.pump();
    await this.inbox.start();
  }

  /**
   * O(1) for a name already waiting or queued: events and rescans repeat names all the time.
   * `listed`: a rescan saw it is a file; an event's name may be a folder, which no rule should report.
   */
  private notice(name: string, listed: boolean): void {
    if (this.stopping.signal.aborted || this.ready.has(name)) return;
    if (this.gate.has(name)) {
      this.gate.touch(name);
      return;
    }
    if (isIgnoredName(name)) return;
    if (!this.ruleFor(name)) {
      if (!listed) return; // said by the next rescan, which knows whether it is a file
      if (!this.unmatched.has(name)) this.ctx.print(`skipping ${name}: no rule matches it`);
      this.unmatched.add(name);
      return;
    }
    this.gate.touch(name);
  }

  private onStable(name: string, stable: Snapshot): void {
    if (this.ready.has(name)) return;
    this.ready.set(name, stable);
    this.pump();
  }

  private ruleFor(name: string): Rule | undefined {
    return this.folder.rules.find((rule) => rule.matches(name));
  }

  private makeClaim(id: string, name: string, rule: Rule, recovered: { jobId?: string } | undefined): Claim {
    const dir = join(this.paths.processing, id);
    const work = join(this.paths.work, id);
    return {
      ...{ id, name, rule, dir, file: join(dir, name), work, out: join(work, 'out') },
      jobId: recovered?.jobId,
      recovered: recovered !== undefined,
      since: 0,
    };
  }

  /** Fills free slots: recovered claims first, then files in the order they became stable. */
  private pump(): void {
    while (
      !this.stopping.signal.aborted &&
      this.running.size + this.claiming.size < this.folder.concurrency
    ) {
      const recovered = this.recovered.shift();
      if (recovered) {
        this.start(recovered);
        continue;
      }
      const next = this.ready.entries().next();
      if (next.done) return;
      const [name, stable] = next.value;
      this.ready.delete(name);
      this.claimingNames.add(name);
      const claiming: Promise<unknown> = this.claim(name, stable)
        .then((claim) => claim && this.start(claim))
        .catch((error: Error) => this.ctx.print(`cannot take ${name}: ${error.message}`))
        .finally(() => {
          this.claimingNames.delete(name);
          this.claiming.delete(claiming);
          this.pump();
        });
      this.claiming.add(claiming);
    }
  }

  /** The claim: an atomic rename into processing/<id>/, journalled before any work starts. */
  private async claim(name: string, stable: Snapshot): Promise<Claim | undefined> {
    const rule = this.ruleFor(name);
    if (!rule) return undefined;
    // With a backlog a file can wait minutes between being found stable and its turn;
    // a writer that resumed meanwhile (or a new file under the same name) sends it back to wait.
    const now = await stat(join(this.folder.path, name)).catch(() => undefined);
    if (!now?.isFile()) return undefined;
    if (now.size !== stable.size || now.mtimeMs !== stable.mtimeMs) {
      this.gate.touch(name);
      return undefined;
    }
    // Or a process opened it for writing and has not written yet: back to wait, and any file behind it too.
    const held = await recheckWriters(name, stable, this.ready, (other) =>
      writers.writerOf(this.realPath(other)),
    );
    for (const other of held.keys()) {
      if (other === name || this.ready.delete(other)) this.gate.touch(other);
    }
    if (held.has(name)) return undefined;
    const id = newClaimId();
    const dir = join(this.paths.processing, id);
    await mkdir(dir);
    try {
      await rename(join(this.folder.path, name), join(dir, name));
    } catch (error) {
      await rmdir(dir).catch(() => undefined);
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // gone before we took it
      throw error;
    }
    await this.journal!.append({ c: id, t: 'claim', name, at: Date.now() });
    return this.makeClaim(id, name, rule, undefined);
  }

  private start(claim: Claim): void {
    claim.since = performance.now();
    this.held.set(claim.id, claim);
    const done = this.process(claim)
      .then((ended) => {
        if (ended) this.held.delete(claim.id);
        return ended;
      })
      .finally(() => {
        this.running.delete(claim.id);
        this.pump();
      });
    this.running.set(claim.id, { claim, done });
  }

  /** True when the claim ended in done/ or failed/. */
  private async process(claim: Claim): Promise<boolean> {
    const ctx = this.ctx;
    try {
      const outcome = await runClaim(ctx, claim);
      if (!outcome) return false;
      await ctx.finisher.run(async () => finish(ctx, claim.id, await planFor(ctx, claim, outcome)));
      return true;
    } catch (error) {
      // The claim stays in processing/ and is redone on the next start.
      ctx.print(
        `error with ${claim.name}: ${(error as Error).message}; it stays in processing/ until restart`,
      );
      return false;
    }
  }

  /**
   * Stops taking files. Claims still running stay in processing/ for the next
   * start, and their jobs are cancelled. Returns how many claims were left.
   */
  async stop(): Promise<number> {
    this.stopping.abort();
    this.inbox?.close();
    this.gate.close();
    await Promise.all(this.claiming);
    const running = [...this.running.values()];
    const ended = await Promise.all(running.map((entry) => entry.done));
    await this.ctxBase.finisher.idle();
    const left = running.filter((_, i) => !ended[i]).map((entry) => entry.claim);
    for (const claim of left) {
      const jobId = claim.jobId;
      if (!jobId) continue;
      // Forget first: a job cancelled by our own stop must be redone, not reported as cancelled by a user.
      await forgetJob(this.ctx, claim);
      await this.ctxBase.client
        .cancel(jobId, { reason: 'the watcher stopped', force: true })
        .catch(() => undefined);
    }
    await this.release();
    return left.length + this.recovered.length;
  }

  /**
   * The files this runner holds right now and where each is: for a quit that cannot wait for
   * `stop` (a second Ctrl+C). A file being claimed is in the folder or already in processing/.
   */
  inFlight(): { name: string; where: string }[] {
    return [
      ...[...this.held.values(), ...this.recovered].map((claim) => ({ name: claim.name, where: claim.file })),
      ...[...this.claimingNames].map((name) => ({
        name,
        where: `${join(this.folder.path, name)} or ${this.paths.processing}/<new>/${name}`,
      })),
    ];
  }

  /** Releases the lock without stopping work (for a start-up that failed part-way). */
  async release(): Promise<void> {
    const journal = this.journal;
    this.journal = undefined;
    await journal?.close();
    this.unlock?.();
    this.unlock = undefined;
  }
}
