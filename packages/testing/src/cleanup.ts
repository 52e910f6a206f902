import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Cleanup = () => Promise<void> | void;

export interface CleanupStack {
  add(cleanup: Cleanup): void;
  /** Runs the cleanups added since the last run, last added first. */
  run(): Promise<void>;
  /** A fresh temp folder (see `tempDir`), removed by the next run. */
  tempDir(name: string): string;
}

/** Cleanups for a package's test helpers, which call `run` from their own afterEach. */
export function cleanupStack(): CleanupStack {
  const stack: Cleanup[] = [];
  return {
    add: (cleanup) => void stack.push(cleanup),
    run: async () => {
      for (const cleanup of stack.splice(0).reverse()) await cleanup();
    },
    tempDir: (name) => {
      const dir = tempDir(name);
      stack.push(dir.remove);
      return dir.path;
    },
  };
}

export interface TempDir {
  path: string;
  remove(): void;
}

/** A fresh folder `threadline-<name>-XXXXXX` in the system's temp dir. */
export function tempDir(name: string): TempDir {
  const path = mkdtempSync(join(tmpdir(), `threadline-${name}-`));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
