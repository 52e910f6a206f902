// One claimed file, from its job to its place in done/ or failed/. The claim
// is the file renamed into processing/<id>/; the journal records its job and,
// before anything moves, the plan that finishes it.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, rm, rmdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobClient, JobSnapshot } from '@threadline/core';
import { backoffMs } from '@threadline/core/client';
import type { FolderConfig, Rule } from './config.js';
import { waitForFinal } from './job-wait.js';
import type { Journal, Move, Plan } from './journal.js';
import { fillInput, type Placeholders } from './mapping.js';
import { carryOut } from './moves.js';
import { freeNames, isIgnoredName, stemOf } from './names.js';
import type { Serial } from './serial.js';

export interface Claim {
  id: string;
  name: string;
  rule: Rule;
  /** processing/<id>: holds only the claimed file. */
  dir: string;
  file: string;
  /** .threadline/work/<id>: the job's output folder lives here. */
  work: string;
  out: string;
  jobId: string | undefined;
  /** Left claimed by a previous run, which may have started a job it did not journal. */
  recovered: boolean;
  /** When this run took the claim up (performance.now()). */
  since: number;
}

export interface FolderContext {
  folder: FolderConfig;
  client: JobClient;
  journal: Journal;
  /** One per process: plans pick free names in shared folders. */
  finisher: Serial;
  signal: AbortSignal;
  /** A path as the user should see it in a line. */
  show: (path: string) => string;
  print: (line: string) => void;
}

export type Outcome = { ok: true; job: JobSnapshot } | { ok: false; reason: string; job: JobSnapshot | null };

export const folderPaths = (folder: FolderConfig) => ({
  processing: join(folder.path, 'processing'),
  failed: join(folder.path, 'failed'),
  originals: join(folder.path, 'originals'),
  state: join(folder.path, '.threadline'),
  work: join(folder.path, '.threadline', 'work'),
});

export function placeholdersOf(claim: Pick<Claim, 'file' | 'dir' | 'out' | 'name'>): Placeholders {
  return {
    file: claim.file,
    dir: claim.dir,
    out: claim.out,
    name: claim.name,
    stem: stemOf(claim.name),
    ext: extname(claim.name),
  };
}

const isUserError = (error: unknown) => {
  const code = (error as { code?: unknown })?.code;
  return code === 'VALIDATION' || code === 'NOT_FOUND' || code === 'JOB_LOAD';
};

/**
 * Runs the claim's job, or follows the one a previous run started, to an outcome.
 * Undefined when the watcher is stopping: the claim stays for the next start.
 */
export async function runClaim(ctx: FolderContext, claim: Claim): Promise<Outcome | undefined> {
  const { client, signal } = ctx;
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      let job: JobSnapshot | null | undefined = claim.jobId ? await client.get(claim.jobId) : undefined;
      if (!job && !claim.jobId && claim.recovered) {
        job = await findJob(client, claim);
        if (job) {
          claim.jobId = job.id;
          await ctx.journal.append({ c: claim.id, t: 'job', jobId: job.id });
        }
      }
      // Interrupted: the engine that ran it died; cancelled on our own stop: the journal forgot its id.
      claim.recovered = false;
      if (!job || job.state === 'interrupted') job = await startJob(ctx, claim);
      if (!job) return undefined;
      const final = await waitForFinal(client, job.id, signal);
      if (final === undefined) return undefined;
      if (final === null || final.state === 'interrupted') {
        await forgetJob(ctx, claim);
        continue;
      }
      if (final.state === 'succeeded') return { ok: true, job: final };
      if (final.state === 'cancelled') return { ok: false, reason: 'its job was cancelled', job: final };
      return { ok: false, reason: final.error?.message ?? 'its job failed', job: final };
    } catch (error) {
      if (signal.aborted) return undefined;
      if (isUserError(error)) return { ok: false, reason: (error as Error).message, job: null };
      // The server is unreachable or the disk hiccuped: keep the claim and try again.
      const wait = backoffMs(attempt, { firstMs: 1000, maxMs: 30_000 });
      ctx.print(`retrying ${claim.name} in ${Math.round(wait / 1000)} s: ${(error as Error).message}`);
      await sleep(wait, undefined, { signal }).catch(() => undefined);
    }
  }
  return undefined;
}

/** The journal forgets the claim's job, so the next look starts a fresh one. */
export async function forgetJob(ctx: FolderContext, claim: Claim): Promise<void> {
  claim.jobId = undefined;
  await ctx.journal.append({ c: claim.id, t: 'job', jobId: null });
}

/** A job a killed run started but had not journalled yet: its input names the claim's folder. */
async function findJob(client: JobClient, claim: Claim): Promise<JobSnapshot | undefined> {
  const jobs = await client.list({ name: claim.rule.job, limit: 200 });
  return jobs.find(
    (job) =>
      JSON.stringify(job.input).includes(claim.id) &&
      job.state !== 'cancelled' &&
      job.state !== 'interrupted',
  );
}

async function startJob(ctx: FolderContext, claim: Claim): Promise<JobSnapshot | undefined> {
  // A fresh output folder: whatever an earlier attempt left there is not trusted.
  await rm(claim.work, { recursive: true, force: true });
  await mkdir(claim.out, { recursive: true });
  const { mapping, job: jobName } = claim.rule;
  if (mapping.copyIn) await copyFile(claim.file, join(claim.out, claim.name));
  if (ctx.signal.aborted) return undefined;
  const job = await ctx.client.start(jobName, fillInput(mapping.input, placeholdersOf(claim)));
  claim.jobId = job.id;
  await ctx.journal.append({ c: claim.id, t: 'job', jobId: job.id });
  return job;
}

/** Decides where everything goes. Runs inside the finisher, so the free names it picks stay free. */
export async function planFor(ctx: FolderContext, claim: Claim, outcome: Outcome): Promise<Plan> {
  const paths = folderPaths(ctx.folder);
  const ms = Math.round(performance.now() - claim.since);
  const stem = stemOf(claim.name);
  if (outcome.ok) {
    const { job } = outcome;
    const outputs = (await readdir(claim.out).catch(() => [] as string[]))
      .filter((n) => !isIgnoredName(n))
      .sort();
    const problem =
      job.items.failed > 0
        ? `${job.items.failed} of ${job.items.total ?? '?'} items failed${job.error ? `: ${job.error.message}` : ''}`
        : job.items.total === 0
          ? `${job.name} found nothing to do in it (not a file this job takes?)`
          : outputs.length === 0 && claim.rule.mapping.source !== 'done'
            ? `${job.name} produced no output`
            : undefined;
    if (!problem) {
      const sourceToDone = claim.rule.mapping.source === 'done';
      const group = sourceToDone ? [claim.name, ...outputs] : outputs;
      const names = freeNames(group, stem, (name) => existsSync(join(ctx.folder.out, name)));
      const moves: Move[] = group.map((name, i) => ({
        from: sourceToDone && i === 0 ? claim.file : join(claim.out, name),
        to: join(ctx.folder.out, names[i]!),
      }));
      if (claim.rule.mapping.source === 'originals') {
        const [kept] = freeNames([claim.name], stem, (name) => existsSync(join(paths.originals, name)));
        moves.push({ from: claim.file, to: join(paths.originals, kept!) });
      } else if (claim.rule.mapping.source === 'delete') {
        moves.push({ from: claim.file, to: null });
      }
      const shown = moves
        .filter((m) => m.to && !m.to.startsWith(paths.originals))
        .map((m) => ctx.show(m.to!));
      return { ok: true, moves, line: `ok ${claim.name} -> ${shown.join(', ') || '(no output)'} ${ms} ms` };
    }
    outcome = { ok: false, reason: problem, job };
  }
  const taken = (name: string) =>
    existsSync(join(paths.failed, name)) || existsSync(join(paths.failed, `${name}.error.txt`));
  const [name] = freeNames([claim.name], stem, taken);
  const to = join(paths.failed, name!);
  return {
    ok: false,
    moves: [{ from: claim.file, to }],
    errorFile: `${to}.error.txt`,
    errorText: errorText(claim, outcome.reason, outcome.job),
    line: `failed ${claim.name}: ${outcome.reason} (${ctx.show(to)}.error.txt)`,
  };
}

function errorText(claim: Claim, reason: string, job: JobSnapshot | null): string {
  return [
    `${claim.name} could not be processed: it failed.`,
    '',
    `Reason: ${reason}`,
    `Job:    ${claim.rule.job}${job ? ` (${job.id}): ${jobOutcome(job)}` : ': not started'}`,
    `When:   ${new Date().toISOString()}`,
    ...(job ? [`Input:  ${JSON.stringify(job.input)}`] : []),
    '',
  ].join('\n');
}

/**
 * What the job itself did, in the words of the file's outcome: a job that ran to its end with
 * failed items (or none) is the reason the file failed, so its state is not written as "succeeded".
 */
function jobOutcome(job: JobSnapshot): string {
  const { total, succeeded, failed, cancelled } = job.items;
  const of = total === null ? '' : ` of ${total}`;
  const counts = [
    `${succeeded}${of} items done`,
    failed > 0 && `${failed} failed`,
    cancelled > 0 && `${cancelled} cancelled`,
  ]
    .filter(Boolean)
    .join(', ');
  if (job.state === 'succeeded')
    return total === 0 ? 'ran, with no items to do' : `ran to its end: ${counts}`;
  return `${job.state}: ${counts}`;
}

/** Journals the plan, carries it out, clears the claim's folders and ends it. Repeatable after a crash. */
export async function finish(ctx: FolderContext, id: string, plan: Plan, journalled = false): Promise<void> {
  if (!journalled) await ctx.journal.append({ c: id, t: 'plan', plan });
  await carryOut(plan);
  const paths = folderPaths(ctx.folder);
  await rm(join(paths.work, id), { recursive: true, force: true });
  await rmdir(join(paths.processing, id)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
  await ctx.journal.append({ c: id, t: 'end' });
  ctx.print(plan.line);
}
