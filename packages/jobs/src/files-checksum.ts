// files.checksum: SHA-256 of every file under a root into a manifest in
// `sha256sum` format, or (`verify`) a check of a tree against one. Each file
// is an item, so a large tree spreads over every thread of the pool; an item
// reports its progress in bytes, so a large file moves the bar while it is
// read. The manifest is written in summarize, from every file's result in
// walk order, atomically: a cancelled run writes none.

import { readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { formatBytes } from '@threadline/core/format';
import { CancelledError, defineJob, type JobContext, z } from '@threadline/core/job';
import { realLocation, startedPaths } from './lib/confined.js';
import { entriesWithProblems, isProblem, type ProblemItem, reasonOf } from './lib/file-items.js';
import { sha256File } from './lib/hash.js';
import { formatManifestLine, parseManifest } from './lib/manifest.js';
import { capList } from './lib/units.js';
import { isInside, type WalkProblem } from './lib/walk.js';
import { writeFileAtomicSync } from './lib/write-sync.js';

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
    .describe('Manifest file (sha256sum format); default: SHA256SUMS inside the folder'),
});
type Input = z.infer<typeof input>;

/**
 * A file to hash (create), a manifest entry to check (verify), a file the manifest lacks, or a
 * problem. `real`: where the file is, by the root's real path resolved when the job started; it is
 * opened there and nowhere else.
 */
type Item =
  | { path: string; size: number; real: string }
  | { path: string; expected: string; size: number; real: string }
  | { path: string; unlisted: true }
  | (ProblemItem & { listed?: true });

type Result =
  | { path: string; sha256: string; size: number }
  | { path: string; status: 'matched' | 'mismatched'; size: number }
  | { path: string; status: 'missing' | 'unlisted' }
  | { path: string; problem: string; listed?: boolean };

/** The manifest's real location, resolved as the job's items are listed. */
const started = startedPaths<{ manifest: string }>();

export function manifestPath(options: Input): string {
  const root = resolve(options.root);
  // Inside the folder, as sha256sum's SHA256SUMS convention has it: a job writes only where it was pointed.
  return options.manifest ? resolve(options.manifest) : join(root, 'SHA256SUMS');
}

export default defineJob({
  name: 'files.checksum',
  title: 'Checksum files',
  description: 'Writes a SHA-256 manifest of a folder tree, or verifies a tree against a manifest.',
  input,
  // Progress in bytes: a tree of one large file and many small ones moves as it is read.
  unit: 'bytes',
  items: (options: Input) => (options.mode === 'verify' ? verifyItems(options) : createItems(options)),
  itemWeight: (item: Item) => ('size' in item ? item.size : 0),
  process: async (item: Item, ctx): Promise<Result> => {
    if (isProblem(item)) {
      ctx.log('warn', `${item.path}: ${item.problem}`);
      return { path: item.path, problem: item.problem, ...(item.listed ? { listed: true } : {}) };
    }
    if ('unlisted' in item) return { path: item.path, status: 'unlisted' };
    ctx.throwIfCancelled();
    if (!('expected' in item)) {
      const sha256 = await hash(item.real, item.path, item.size, ctx);
      if (typeof sha256 === 'string') return { path: item.path, sha256, size: item.size };
      return { path: item.path, problem: sha256.problem, size: item.size };
    }
    const sha256 = await hash(item.real, item.path, item.size, ctx);
    if (typeof sha256 !== 'string') {
      if (sha256.missing) return { path: item.path, status: 'missing' };
      return { path: item.path, problem: sha256.problem, listed: true };
    }
    return { path: item.path, status: sha256 === item.expected ? 'matched' : 'mismatched', size: item.size };
  },
  summarize: (results, { input: options, cancelled, failed }) => {
    const manifest = manifestPath(options);
    const problems: WalkProblem[] = results.flatMap((r) =>
      'problem' in r ? [{ path: r.path, reason: r.problem }] : [],
    );
    const bytes = results.reduce((sum, r) => sum + ('size' in r ? r.size : 0), 0);
    const problemList = capList(problems).list;
    if (options.mode === 'create') {
      const hashed = results.flatMap((r) => ('sha256' in r ? [r] : []));
      // Only a whole run writes: a cancelled one would leave a manifest that looks complete and is not.
      // Written where the manifest was when the job started, no symlink followed on the way there.
      const real = started.get(options)?.manifest;
      if (cancelled === 0)
        writeFileAtomicSync(real ?? manifest, hashed.map(formatManifestLine), {
          noFollow: real !== undefined,
        });
      return {
        mode: 'create' as const,
        manifest: cancelled === 0 ? manifest : null,
        files: hashed.length,
        bytes,
        problems: problems.length,
        problemList,
        failed,
        cancelled,
      };
    }
    const paths = (status: string) =>
      results.flatMap((r) => ('status' in r && r.status === status ? [r.path] : []));
    const mismatched = paths('mismatched');
    const missing = paths('missing');
    const unlisted = paths('unlisted');
    const matched = paths('matched').length;
    const listedProblems = results.filter((r) => 'problem' in r && r.listed).length;
    return {
      mode: 'verify' as const,
      manifest,
      ok:
        mismatched.length === 0 &&
        missing.length === 0 &&
        problems.length === 0 &&
        failed === 0 &&
        cancelled === 0,
      files: matched + mismatched.length + missing.length + listedProblems,
      matched,
      bytes,
      mismatched: capList(mismatched).list,
      mismatchedCount: mismatched.length,
      missing: capList(missing).list,
      missingCount: missing.length,
      unlisted: capList(unlisted).list,
      unlistedCount: unlisted.length,
      problems: problems.length,
      problemList,
      failed,
      cancelled,
    };
  },
});

/**
 * The file's SHA-256, progress in its bytes; a file that cannot be read (or is not where the walk
 * found it) is a problem, and the run goes on. `missing`: it is gone.
 */
async function hash(
  real: string,
  path: string,
  size: number,
  ctx: JobContext,
): Promise<string | { problem: string; missing: boolean }> {
  let done = 0;
  ctx.progress(0, size, `${path} (${formatBytes(size)})`);
  try {
    return await sha256File(real, {
      signal: ctx.signal,
      onBytes: (bytes) => {
        done += bytes;
        ctx.progress(done, size);
      },
    });
  } catch (error) {
    if (ctx.signal.aborted) throw new CancelledError();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: reasonOf(error), missing: true };
    ctx.log('warn', `${path}: ${reasonOf(error)}`);
    // A file that cannot be read still counts as its listed size, as it did in the walk.
    return { problem: reasonOf(error), missing: false };
  }
}

/** The manifest and its temporary files are not part of the tree they describe. */
const skipManifest = (manifest: string) => (path: string) => path.startsWith(manifest);

/** Resolves the root and the manifest to their real locations, once, as the job starts. */
async function resolveAtStart(options: Input): Promise<{ root: string; manifest: string }> {
  const root = await realpath(resolve(options.root)).catch(() => resolve(options.root));
  const manifest = await realLocation(manifestPath(options));
  started.set(options, { manifest });
  return { root, manifest };
}

async function* createItems(options: Input): AsyncGenerator<Item> {
  const root = resolve(options.root);
  await resolveAtStart(options);
  yield* entriesWithProblems(root, { skip: skipManifest(manifestPath(options)) }, (entry) =>
    entry.kind === 'file' ? { path: entry.path, size: entry.stats.size, real: entry.real } : undefined,
  );
}

async function* verifyItems(options: Input): AsyncGenerator<Item> {
  const root = resolve(options.root);
  const manifest = manifestPath(options);
  const { root: realRoot } = await resolveAtStart(options);
  const text = await readFile(manifest, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new Error(`no manifest at ${manifest}; write one first with mode "create"`);
    throw error;
  });
  const { entries, invalid } = parseManifest(text);
  for (const line of invalid) {
    yield { path: basename(manifest), problem: `line ${line} is not "<sha256>  <path>"` };
  }
  const listed = new Set<string>();
  for (const entry of entries) {
    if (!isInside(join(root, entry.path), root)) {
      yield { path: entry.path, problem: 'outside the root; not checked', listed: true };
      continue;
    }
    listed.add(entry.path);
    const real = join(realRoot, entry.path);
    // Its size now, for progress in bytes; a file gone since is found missing when it is checked.
    const size = await stat(real).then(
      (stats) => stats.size,
      () => 0,
    );
    yield { path: entry.path, expected: entry.sha256, size, real };
  }
  // Then what the tree has and the manifest does not.
  yield* entriesWithProblems(root, { skip: skipManifest(manifest) }, (entry) =>
    entry.kind === 'file' && !listed.has(entry.path)
      ? { path: entry.path, unlisted: true as const }
      : undefined,
  );
}
