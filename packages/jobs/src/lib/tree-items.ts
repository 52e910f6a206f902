// The items of a job over a folder tree: one per matching file, and one per
// folder that could not be read, so that a problem in the tree shows up as a
// failed item with its reason instead of vanishing (items run in the engine,
// which has no log to write it to). A file's item carries the real path the
// walk found it at: the worker opens it there (confined.ts) and nowhere else.
import { type WalkOptions, type WalkProblem, walk } from './walk.js';

export interface TreeFile {
  /** Relative to the root, `/`-separated. */
  path: string;
  /** Where the walk found it, by the root's real path resolved when the job started. */
  real: string;
}

/** A folder or file the walk could not read: the item fails with this reason. */
export interface TreeProblem {
  path: string;
  problem: string;
}

export type TreeItem = TreeFile | TreeProblem;

export async function* treeItems(
  root: string,
  accept: (path: string) => boolean,
  options: Omit<WalkOptions, 'onProblem'> = {},
): AsyncGenerator<TreeItem> {
  const problems: WalkProblem[] = [];
  const asItems = () =>
    problems.splice(0).map((problem) => ({ path: problem.path, problem: problem.reason }));
  for await (const entry of walk(root, { ...options, onProblem: (problem) => problems.push(problem) })) {
    yield* asItems();
    if (entry.kind === 'file' && accept(entry.path)) yield { path: entry.path, real: entry.real };
  }
  yield* asItems();
}

/** Fails an item that stands for a problem in the tree. */
export function throwIfProblem<File extends object>(item: File | TreeProblem): asserts item is File {
  if ('problem' in item) throw new Error(item.problem);
}
