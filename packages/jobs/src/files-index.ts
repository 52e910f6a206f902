// files.index: a JSON Lines index of a tree (path, kind, size, mtime, and
// with `hash` each file's SHA-256), written as one file. Each entry is an
// item, so a large tree (and, with `hash`, its reading) spreads over every
// thread of the pool; the walk itself runs in the engine. The index is
// written in summarize, from every entry's result in walk order, atomically:
// a cancelled run writes none.

import { join, resolve } from 'node:path';
import { CancelledError, defineJob, z } from '@threadline/core/job';
import { realLocation, startedPaths } from './lib/confined.js';
import { entriesWithProblems, isProblem, type ProblemItem, reasonOf } from './lib/file-items.js';
import { sha256File } from './lib/hash.js';
import { capList } from './lib/units.js';
import { isInside, type WalkProblem } from './lib/walk.js';
import { writeFileAtomicSync } from './lib/write-sync.js';

const input = z.object({
  root: z.string().min(1).describe('Folder to index'),
  output: z
    .string()
    .min(1)
    .optional()
    .describe('Index file to write (JSON Lines); default: .index.jsonl inside the folder'),
  followSymlinks: z
    .boolean()
    .default(false)
    .describe('Index what symlinks point to (loops are reported and skipped)'),
  hash: z.boolean().default(false).describe("Add each file's SHA-256 (read by the pool's threads)"),
});
type Input = z.infer<typeof input>;

/** One line of the index. */
export interface IndexLine {
  path: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  size: number;
  /** ISO 8601, UTC. */
  mtime: string;
  /** Where a symlink points, when symlinks are not followed. */
  target?: string;
  /** With `hash`: the file's SHA-256, hex. */
  sha256?: string;
}

type Result = { line: IndexLine } | { problem: WalkProblem };

/** An entry as an item: its line, and (for `hash`) where the walk found it, by real path. */
type Item = IndexLine & { real?: string };

/** The index's real location, resolved as the job's items are listed. */
const started = startedPaths<{ output: string }>();

export function indexPath(options: Input): string {
  const root = resolve(options.root);
  // Inside the folder (and left out of the index): a job writes only where it was pointed.
  return options.output ? resolve(options.output) : join(root, '.index.jsonl');
}

export default defineJob({
  name: 'files.index',
  title: 'Index files',
  description:
    'Walks a folder tree and writes a JSON Lines index of every entry: path, kind, size and mtime.',
  input,
  // Progress in bytes, as files.checksum's: each file weighs its size (a folder or link nothing), so
  // with `hash` a large file moves the bar while it is read, across every thread.
  unit: 'bytes',
  itemWeight: (item: Item | ProblemItem) => ('kind' in item && item.kind === 'file' ? item.size : 0),
  items: async function* (options: Input) {
    const root = resolve(options.root);
    const output = indexPath(options);
    started.set(options, { output: await realLocation(output) });
    // The index must not list itself (or its temporary file) when written inside the tree.
    const skip = (path: string) => isInside(output, root) && path.startsWith(output);
    yield* entriesWithProblems(
      root,
      { followSymlinks: options.followSymlinks, skip },
      (entry): Item => ({
        path: entry.path,
        kind: entry.kind,
        size: entry.stats.size,
        mtime: entry.stats.mtime.toISOString(),
        ...(entry.target === undefined ? {} : { target: entry.target }),
        ...(options.hash && entry.kind === 'file' ? { real: entry.real } : {}),
      }),
    );
  },
  process: async (item: Item | ProblemItem, ctx, options: Input): Promise<Result> => {
    if (isProblem(item)) {
      ctx.log('warn', `${item.path}: ${item.problem}`);
      return { problem: { path: item.path, reason: item.problem } };
    }
    ctx.throwIfCancelled();
    const { real, ...line } = item;
    if (!options.hash || line.kind !== 'file' || real === undefined) return { line };
    let done = 0;
    ctx.progress(0, item.size, item.path);
    try {
      // By the real path the walk found, checked as it opens: a folder swapped for a link is refused.
      const sha256 = await sha256File(real, {
        signal: ctx.signal,
        onBytes: (bytes) => {
          done += bytes;
          ctx.progress(done, item.size);
        },
      });
      return { line: { ...line, sha256 } };
    } catch (error) {
      if (ctx.signal.aborted) throw new CancelledError();
      ctx.log('warn', `${item.path}: ${reasonOf(error)}`);
      return { problem: { path: item.path, reason: reasonOf(error) } };
    }
  },
  summarize: (results, { input: options, cancelled, failed }) => {
    const output = indexPath(options);
    const counts = { entries: 0, files: 0, dirs: 0, symlinks: 0, other: 0, bytes: 0 };
    const problems: WalkProblem[] = [];
    const lines: IndexLine[] = [];
    for (const result of results) {
      if ('problem' in result) {
        problems.push(result.problem);
        continue;
      }
      const { line } = result;
      lines.push(line);
      counts.entries++;
      if (line.kind === 'file') {
        counts.files++;
        counts.bytes += line.size;
      } else if (line.kind === 'dir') counts.dirs++;
      else if (line.kind === 'symlink') counts.symlinks++;
      else counts.other++;
    }
    // Only a whole run writes: a cancelled one would leave an index that looks complete and is not.
    // Written where the index was when the job started, no symlink followed on the way there.
    const real = started.get(options)?.output;
    if (cancelled === 0)
      writeFileAtomicSync(
        real ?? output,
        lines.map((line) => `${JSON.stringify(line)}\n`),
        { noFollow: real !== undefined },
      );
    const { list, more } = capList(problems);
    return {
      ...counts,
      output: cancelled === 0 ? output : null,
      problems: problems.length,
      problemList: list,
      moreProblems: more,
      failed,
      cancelled,
    };
  },
});
