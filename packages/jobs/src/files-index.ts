// files.index: a JSON Lines index of a tree (path, kind, size, mtime), written
// as one file. One walk in one worker: the work is a stream of small stats,
// which would cost more to dispatch as items than to do.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { defineJob, writeFileAtomic, z } from '@threadline/core/job';
import { capList } from './lib/units.js';
import { isInside, type WalkProblem, walk } from './lib/walk.js';

const input = z.object({
  root: z.string().min(1).describe('Folder to index'),
  output: z
    .string()
    .min(1)
    .optional()
    .describe('Index file to write (JSON Lines); default: <root>.index.jsonl beside the folder'),
  followSymlinks: z
    .boolean()
    .default(false)
    .describe('Index what symlinks point to (loops are reported and skipped)'),
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
}

export function indexPath(options: Input): string {
  const root = resolve(options.root);
  return options.output ? resolve(options.output) : join(dirname(root), `${basename(root)}.index.jsonl`);
}

export default defineJob({
  name: 'files.index',
  title: 'Index files',
  description:
    'Walks a folder tree and writes a JSON Lines index of every entry: path, kind, size and mtime.',
  input,
  unit: 'entries',
  run: async (options: Input, ctx) => {
    const root = resolve(options.root);
    const output = indexPath(options);
    const problems: WalkProblem[] = [];
    const counts = { entries: 0, files: 0, dirs: 0, symlinks: 0, other: 0, bytes: 0 };
    const onProblem = (problem: WalkProblem) => {
      problems.push(problem);
      ctx.log('warn', `${problem.path}: ${problem.reason}`);
    };
    // The index must not list itself (or its temporary file) when written inside the tree.
    const skip = (path: string) => isInside(output, root) && path.startsWith(output);

    await writeFileAtomic(output, async (temp) => {
      const out = createWriteStream(temp);
      const closed = once(out, 'close');
      closed.catch(() => {}); // awaited below; this only keeps an early write error from being "unhandled"
      try {
        for await (const entry of walk(root, {
          followSymlinks: options.followSymlinks,
          onProblem,
          skip,
          signal: ctx.signal,
        })) {
          const line: IndexLine = {
            path: entry.path,
            kind: entry.kind,
            size: entry.stats.size,
            mtime: entry.stats.mtime.toISOString(),
            ...(entry.target === undefined ? {} : { target: entry.target }),
          };
          // Respect backpressure, so a huge tree streams to disk instead of piling up in memory.
          if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
          counts.entries++;
          if (entry.kind === 'file') {
            counts.files++;
            counts.bytes += entry.stats.size;
          } else if (entry.kind === 'dir') counts.dirs++;
          else if (entry.kind === 'symlink') counts.symlinks++;
          else counts.other++;
          ctx.progress(counts.entries, undefined, entry.kind === 'dir' ? entry.path : undefined);
        }
      } finally {
        out.end();
        await closed;
      }
    });
    const { list, more } = capList(problems);
    return { ...counts, output, problems: problems.length, problemList: list, moreProblems: more };
  },
});
