// Walks a directory tree depth first, in name order, for the jobs that work on
// trees. A folder that cannot be read or a symlink that loops is a `problem`
// handed to the caller, never an exception: one bad folder must not end a walk.
// The root is resolved to its real path once, at the start; each folder is
// then listed through a descriptor checked to be the real path the walk
// expects (confined.ts), so a folder swapped for a symlink mid-walk is a
// problem, not a way out of the root. Each entry carries that real path for
// the item that reads it later.
import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { withFolderConfined } from './confined.js';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface WalkEntry {
  /** Relative to the root, with `/` separators on every platform. */
  path: string;
  absolute: string;
  /** Its real path as the walk found it (a followed link's target): where a reader must find it. */
  real: string;
  kind: EntryKind;
  stats: Stats;
  /** For a symlink that was not followed: where it points. */
  target?: string;
}

export interface WalkProblem {
  path: string;
  reason: string;
}

export interface WalkOptions {
  /** Descend into symlinked folders and report symlinked files as files. Loops are detected. */
  followSymlinks?: boolean;
  /** Descend into subfolders (default true). */
  recursive?: boolean;
  /** Absolute paths not to enter (an output folder inside the source, say). */
  skip?: (absolute: string) => boolean;
  onProblem?: (problem: WalkProblem) => void;
  signal?: AbortSignal;
}

const toPosix = (path: string) => (sep === '/' ? path : path.split(sep).join('/'));
const identity = (stats: Stats) => `${stats.dev}:${stats.ino}`;

function reasonOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return code ? `${code}: ${message}` : message;
}

/** Every entry under `root` (not the root itself). Folders come before their contents. */
export async function* walk(root: string, options: WalkOptions = {}): AsyncGenerator<WalkEntry> {
  const rootStats = await stat(root).catch((error: NodeJS.ErrnoException) => {
    throw new Error(
      error.code === 'ENOENT' ? `no such folder: ${root}` : `cannot read ${root}: ${reasonOf(error)}`,
    );
  });
  if (!rootStats.isDirectory()) throw new Error(`not a folder: ${root}`);
  // Identities of the folders on the current path: a symlink back to one of them is a loop.
  const ancestors = [identity(rootStats)];
  // Links are followed only to what is inside the root: a job given a folder reads that folder.
  const realRoot = await realpath(root);
  yield* walkDir(root, root, realRoot, ancestors, { ...options, realRoot });
}

/** What a folder's listing knows of one entry, read through the folder's checked descriptor. */
interface Listed {
  name: string;
  absolute: string;
  stats: Stats | Error;
  target?: string;
}

async function* walkDir(
  root: string,
  dir: string,
  realDir: string,
  ancestors: string[],
  options: WalkOptions & { realRoot: string },
): AsyncGenerator<WalkEntry> {
  options.signal?.throwIfAborted();
  let listed: Listed[];
  try {
    listed = await withFolderConfined(realDir, async (folder) => {
      const dirents: Dirent[] = await readdir(folder, { withFileTypes: true });
      dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const entries: Listed[] = [];
      for (const dirent of dirents) {
        const absolute = join(dir, dirent.name);
        if (options.skip?.(absolute)) continue;
        // Deleted between readdir and lstat, most often: worth a note, not a stop.
        const stats = await lstat(`${folder}/${dirent.name}`).catch((error: Error) => error);
        const target =
          !(stats instanceof Error) && stats.isSymbolicLink() && !options.followSymlinks
            ? await readlink(`${folder}/${dirent.name}`).catch(() => undefined)
            : undefined;
        entries.push({ name: dirent.name, absolute, stats, ...(target === undefined ? {} : { target }) });
      }
      return entries;
    });
  } catch (error) {
    options.onProblem?.({
      path: toPosix(relative(root, dir)) || '.',
      reason: `cannot read folder: ${reasonOf(error)}`,
    });
    return;
  }
  for (const { name, absolute, stats: lstats, target } of listed) {
    options.signal?.throwIfAborted();
    const path = toPosix(relative(root, absolute));
    if (lstats instanceof Error) {
      options.onProblem?.({ path, reason: reasonOf(lstats) });
      continue;
    }
    let stats = lstats;
    let real = join(realDir, name);
    if (stats.isSymbolicLink()) {
      if (!options.followSymlinks) {
        yield { path, absolute, real, kind: 'symlink', stats, ...(target === undefined ? {} : { target }) };
        continue;
      }
      try {
        real = await realpath(real);
        stats = await stat(real);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const reason = code === 'ELOOP' ? 'symlink loop' : `broken symlink: ${reasonOf(error)}`;
        options.onProblem?.({ path, reason });
        continue;
      }
      if (!isInside(real, options.realRoot)) {
        options.onProblem?.({ path, reason: `symlink to ${real}, outside the folder: not followed` });
        continue;
      }
      if (stats.isDirectory() && ancestors.includes(identity(stats))) {
        options.onProblem?.({ path, reason: 'symlink loop: points to a folder that contains it' });
        continue;
      }
    }
    if (stats.isDirectory()) {
      yield { path, absolute, real, kind: 'dir', stats };
      if (options.recursive === false) continue;
      ancestors.push(identity(stats));
      yield* walkDir(root, absolute, real, ancestors, options);
      ancestors.pop();
    } else {
      yield { path, absolute, real, kind: stats.isFile() ? 'file' : 'other', stats };
    }
  }
}

/** True when `child` is `parent` or inside it (both absolute and resolved). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}
