// files.checksum: SHA-256 of every file under a root into a manifest in
// `sha256sum` format, or (`verify`) a check of a tree against one. One run in
// one worker with progress in bytes: a tree's cost is its bytes, not its files.

import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { formatBytes } from '@threadline/core/format';
import { defineJob, type JobContext, writeFileAtomic, z } from '@threadline/core/job';
import { sha256File } from './lib/hash.js';
import { formatManifestLine, type ManifestEntry, parseManifest } from './lib/manifest.js';
import { capList } from './lib/units.js';
import { isInside, type WalkProblem, walk } from './lib/walk.js';

const input = z.object({
  root: z.string().min(1).describe('Folder whose files are checksummed (recursively)'),
  mode: z
    .enum(['create', 'verify'])
    .default('create')
    .describe('create: write a manifest; verify: check the files against one'),
  manifest: z
    .string()
    .min(1)
    .optional()
    .describe('Manifest file (sha256sum format); default: <root>.sha256 beside the folder'),
});
type Input = z.infer<typeof input>;

interface FileToHash {
  path: string;
  size: number;
}

export function manifestPath(options: Input): string {
  const root = resolve(options.root);
  return options.manifest ? resolve(options.manifest) : join(dirname(root), `${basename(root)}.sha256`);
}

export default defineJob({
  name: 'files.checksum',
  title: 'Checksum files',
  description: 'Writes a SHA-256 manifest of a folder tree, or verifies a tree against a manifest.',
  input,
  unit: 'bytes',
  run: async (options: Input, ctx): Promise<CreateSummary | VerifySummary> =>
    options.mode === 'verify' ? verify(options, ctx) : create(options, ctx),
});

type CreateSummary = Awaited<ReturnType<typeof create>>;
type VerifySummary = Awaited<ReturnType<typeof verify>>;

async function create(options: Input, ctx: JobContext) {
  const root = resolve(options.root);
  const manifest = manifestPath(options);
  const problems: WalkProblem[] = [];
  const files = await listFiles(root, manifest, ctx, problems);
  const entries: ManifestEntry[] = [];
  const bytes = await hashAll(root, files, ctx, problems, (file, sha256) =>
    entries.push({ path: file.path, sha256 }),
  );
  await writeFileAtomic(manifest, entries.map(formatManifestLine).join(''));
  const capped = capList(problems);
  return {
    mode: 'create' as const,
    manifest,
    files: entries.length,
    bytes,
    problems: problems.length,
    problemList: capped.list,
  };
}

async function verify(options: Input, ctx: JobContext) {
  const root = resolve(options.root);
  const manifest = manifestPath(options);
  const text = await readFile(manifest, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new Error(`no manifest at ${manifest}; write one first with mode "create"`);
    throw error;
  });
  const { entries, invalid } = parseManifest(text);
  const problems: WalkProblem[] = invalid.map((line) => ({
    path: basename(manifest),
    reason: `line ${line} is not "<sha256>  <path>"`,
  }));
  const expected = new Map<string, string>();
  const missing: string[] = [];
  const present: FileToHash[] = [];
  for (const entry of entries) {
    ctx.throwIfCancelled();
    if (!isInside(join(root, entry.path), root)) {
      problems.push({ path: entry.path, reason: 'outside the root; not checked' });
      continue;
    }
    expected.set(entry.path, entry.sha256);
    const stats = await stat(join(root, entry.path)).catch((error: NodeJS.ErrnoException) => error);
    if (stats instanceof Error) {
      if (stats.code === 'ENOENT' || stats.code === 'ENOTDIR') missing.push(entry.path);
      else problems.push({ path: entry.path, reason: stats.message });
    } else present.push({ path: entry.path, size: stats.size });
  }
  const onDisk = await listFiles(root, manifest, ctx, problems);
  const unlisted = onDisk.filter((file) => !expected.has(file.path)).map((file) => file.path);

  const mismatched: string[] = [];
  let matched = 0;
  const bytes = await hashAll(root, present, ctx, problems, (file, sha256) => {
    if (sha256 === expected.get(file.path)) matched++;
    else mismatched.push(file.path);
  });
  return {
    mode: 'verify' as const,
    manifest,
    ok: mismatched.length === 0 && missing.length === 0 && problems.length === 0,
    files: entries.length,
    matched,
    bytes,
    mismatched: capList(mismatched).list,
    mismatchedCount: mismatched.length,
    missing: capList(missing).list,
    missingCount: missing.length,
    unlisted: capList(unlisted).list,
    unlistedCount: unlisted.length,
    problems: problems.length,
    problemList: capList(problems).list,
  };
}

/** Regular files under root (symlinks are not followed), leaving out the manifest and its temporary files. */
async function listFiles(
  root: string,
  manifest: string,
  ctx: JobContext,
  problems: WalkProblem[],
): Promise<FileToHash[]> {
  const files: FileToHash[] = [];
  const skip = (path: string) => path.startsWith(manifest);
  const onProblem = (problem: WalkProblem) => {
    problems.push(problem);
    ctx.log('warn', `${problem.path}: ${problem.reason}`);
  };
  for await (const entry of walk(root, { skip, onProblem, signal: ctx.signal })) {
    if (entry.kind !== 'file') continue;
    files.push({ path: entry.path, size: entry.stats.size });
    if (files.length % 256 === 0) ctx.progress(0, undefined, `listing files: ${files.length}`);
  }
  return files;
}

/** Hashes files in order, progress in bytes across all of them; a file that cannot be read is a problem. */
async function hashAll(
  root: string,
  files: FileToHash[],
  ctx: JobContext,
  problems: WalkProblem[],
  onHash: (file: FileToHash, sha256: string) => void,
): Promise<number> {
  const total = files.reduce((sum, file) => sum + file.size, 0);
  let before = 0;
  let done = 0;
  ctx.progress(0, total, `${files.length} files, ${formatBytes(total)}`);
  for (const [i, file] of files.entries()) {
    ctx.throwIfCancelled();
    const message = `${i + 1}/${files.length}: ${file.path}`;
    ctx.progress(done, total, message);
    try {
      const sha256 = await sha256File(join(root, file.path), {
        signal: ctx.signal,
        onBytes: (bytes) => {
          done += bytes;
          ctx.progress(done, total);
        },
      });
      onHash(file, sha256);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      problems.push({ path: file.path, reason: error instanceof Error ? error.message : String(error) });
      ctx.log('warn', `${file.path}: ${error instanceof Error ? error.message : String(error)}`);
    }
    // A file that grew, shrank or failed still counts as its listed size, so the bar ends at 100%.
    before += file.size;
    done = before;
  }
  ctx.progress(total, total);
  return total;
}
