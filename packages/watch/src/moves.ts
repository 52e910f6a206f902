// Carrying out a finishing plan. Every step can be repeated after a crash:
// a rename on one filesystem is atomic, so "the source still exists" means
// "not moved yet", and moving it again is the whole recovery.
import { copyFile, cp, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '@threadline/core';
import type { Move, Plan } from './journal.js';

export async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    },
  );
}

/** Carries out a plan; safe to call again on a plan that was cut short. */
export async function carryOut(plan: Plan): Promise<void> {
  // The reason first: a source in failed/ always has its .error.txt beside it.
  if (plan.errorFile && plan.errorText !== undefined) await writeFileAtomic(plan.errorFile, plan.errorText);
  for (const move of plan.moves) await moveOne(move);
}

async function moveOne({ from, to }: Move): Promise<void> {
  if (!(await exists(from))) return; // moved (or deleted) before a crash
  if (to === null) {
    await rm(from, { recursive: true, force: true });
    return;
  }
  await mkdir(dirname(to), { recursive: true });
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    // --out on another filesystem: copy under a temporary name, fsync, rename, then
    // remove the source. A crash before the removal repeats the copy: same bytes.
    const stats = await lstat(from);
    if (stats.isDirectory()) {
      await rm(to, { recursive: true, force: true });
      await cp(from, `${to}.partial-copy`, { recursive: true });
      await rename(`${to}.partial-copy`, to);
    } else {
      await writeFileAtomic(to, (temp) => copyFile(from, temp));
    }
    await rm(from, { recursive: true, force: true });
  }
}
