// The entries of a tree as items for the jobs that hand files out to the
// pool (files.checksum, files.index): the walk runs in the engine, each
// entry is an item with what the walk already knows of it, and a problem the
// walk met (a folder it cannot read, a symlink loop) is an item too, so its
// reason reaches the summary (items run in the engine, which has no log).
import type { WalkEntry, WalkOptions, WalkProblem } from './walk.js';
import { walk } from './walk.js';

export interface ProblemItem {
  path: string;
  problem: string;
}

/** Every entry `accept` takes, with the walk's problems in the order they were met. */
export async function* entriesWithProblems<T>(
  root: string,
  options: Omit<WalkOptions, 'onProblem'>,
  toItem: (entry: WalkEntry) => T | undefined,
): AsyncGenerator<T | ProblemItem> {
  const problems: WalkProblem[] = [];
  const asItems = () =>
    problems.splice(0).map((problem) => ({ path: problem.path, problem: problem.reason }));
  for await (const entry of walk(root, { ...options, onProblem: (problem) => problems.push(problem) })) {
    yield* asItems();
    const item = toItem(entry);
    if (item !== undefined) yield item;
  }
  yield* asItems();
}

export const isProblem = (item: object): item is ProblemItem => 'problem' in item;

export const reasonOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
