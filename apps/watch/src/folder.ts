// One watched folder: recovers what a previous run left, notices files
// (chokidar events plus a periodic rescan, for network shares that miss
// events), waits until each is stable, claims it by rename and runs it.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { FSWatcher } from 'chokidar';
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
import { Journal, type OpenClaim } from './journal.js';
import { lockFolder } from './lock.js';
import { isIgnoredName } from './names.js';
import { StabilityGate } from './stability.js';

const RESCAN_MS = 2000;

// Sortable by time, so recovered claims are redone oldest first.
const newClaimId = () => `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;

export class FolderRunner {
  private readonly paths;
  private readonly stopping = new AbortController();
  private readonly gate: StabilityGate;
  private readonly ready: string[] = [];
  private readonly readySet = new Set<string>();
  private readonly recovered: Claim[] = [];
  private readonly running = new Map<string, { claim: Claim; done: Promise<boolean> }>();
  private readonly unmatched = new Set<string>();
  private readonly claiming = new Set<Promise<unknown>>();
  private journal: Journal | undefined;
  private unlock: (() => void) | undefined;
  private watcher: FSWatcher | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctxBase: Omit<FolderContext, 'journal' | 'signal'>) {
    this.paths = folderPaths(ctxBase.folder);
    this.gate = new StabilityGate(ctxBase.folder.path, ctxBase.folder.stableMs, (name) =>
      this.onStable(name),
    );
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

  /** Starts noticing files; chokidar is loaded only now, to keep `--help` and errors fast. */
  async watch(): Promise<void> {
    const { watch } = await import('chokidar');
    const root = this.folder.path;
    this.watcher = watch(root, {
      ignoreInitial: true,
      depth: 0,
      ignored: (path, stats) =>
        path !== root && (isIgnoredName(basename(path)) || Boolean(stats?.isDirectory())),
    });
    const onFile = (path: string) => this.notice(basename(path));
    this.watcher.on('add', onFile).on('change', onFile);
    this.watcher.on('error', (error) => this.ctx.print(`watch error in ${root}: ${String(error)}`));
    await new Promise<void>((resolve) => this.watcher!.once('ready', () => resolve()));
    this.pump();
    await this.rescan();
  }

  private async rescan(): Promise<void> {
    if (this.stopping.signal.aborted) return;
    try {
      for (const entry of await readdir(this.folder.path, { withFileTypes: true })) {
        if (entry.isFile()) this.notice(entry.name);
      }
    } catch (error) {
      this.ctx.print(`cannot read ${this.folder.path}: ${(error as Error).message}`);
    }
    this.rescanTimer = setTimeout(() => void this.rescan(), RESCAN_MS);
  }

  private notice(name: string): void {
    if (this.stopping.signal.aborted || isIgnoredName(name) || this.readySet.has(name)) return;
    if (!this.ruleFor(name)) {
      if (!this.unmatched.has(name)) this.ctx.print(`skipping ${name}: no rule matches it`);
      this.unmatched.add(name);
      return;
    }
    this.gate.touch(name);
  }

  private onStable(name: string): void {
    if (this.readySet.has(name)) return;
    this.readySet.add(name);
    this.ready.push(name);
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
      const name = this.ready.shift();
      if (name === undefined) return;
      this.readySet.delete(name);
      const claiming: Promise<unknown> = this.claim(name)
        .then((claim) => claim && this.start(claim))
        .catch((error: Error) => this.ctx.print(`cannot take ${name}: ${error.message}`))
        .finally(() => {
          this.claiming.delete(claiming);
          this.pump();
        });
      this.claiming.add(claiming);
    }
  }

  /** The claim: an atomic rename into processing/<id>/, journalled before any work starts. */
  private async claim(name: string): Promise<Claim | undefined> {
    const rule = this.ruleFor(name);
    if (!rule) return undefined;
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
    const done = this.process(claim).finally(() => {
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
    clearTimeout(this.rescanTimer);
    this.gate.close();
    await this.watcher?.close();
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

  /** Releases the lock without stopping work (for a start-up that failed part-way). */
  async release(): Promise<void> {
    const journal = this.journal;
    this.journal = undefined;
    await journal?.close();
    this.unlock?.();
    this.unlock = undefined;
  }
}
