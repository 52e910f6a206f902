// Real tmpfs mounts for the storage tests (a full disk, a read-only folder): root
// writes through chmod, so a mount it must be. Where this machine does not let a
// test mount, the helpers say so and the tests that need them are skipped.
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync } from 'node:fs';

export interface TmpfsMounts {
  /** Whether this machine lets a test mount (probed once, on `dir`, and unmounted). */
  canMount(dir: string): boolean;
  /** A tmpfs of `size` (e.g. `600k`) on `dir`; undefined where mounting is not allowed. */
  tmpfs(dir: string, size: string): string | undefined;
  /** A tmpfs on `dir` holding a copy of `from`, then remounted read-only. */
  readOnlyCopy(from: string, dir: string): string | undefined;
  /** Unmounts every mount made (after each test). */
  unmountAll(): void;
}

export function tmpfsMounts(): TmpfsMounts {
  const mounted: string[] = [];
  const tmpfs = (dir: string, size: string): string | undefined => {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      return undefined;
    }
    mounted.push(dir);
    return dir;
  };
  const unmount = (dir: string) => execFileSync('umount', ['-l', dir]);
  return {
    canMount(dir) {
      if (!tmpfs(dir, '64k')) return false;
      unmount(mounted.pop()!);
      return true;
    },
    tmpfs,
    readOnlyCopy(from, dir) {
      if (!tmpfs(dir, '16m')) return undefined;
      // A killed engine's socket cannot be copied (and nobody answers on it anyway).
      cpSync(from, dir, { recursive: true, filter: (path) => !lstatSync(path).isSocket() });
      execFileSync('mount', ['-o', 'remount,ro', dir]);
      return dir;
    },
    unmountAll() {
      for (const dir of mounted.splice(0)) unmount(dir);
    },
  };
}
