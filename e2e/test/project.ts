// The installed project every e2e file uses: the global setup (setup.ts) packs
// the public packages and installs them once; each file reads what it made here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { REPO, type Result, run } from './shell.js';

/** The public packages: folder under packages/, npm name, tarball `npm pack` writes. */
export const PACKAGES = [
  { dir: 'core', name: '@threadline/core' },
  { dir: 'jobs', name: '@threadline/jobs' },
  { dir: 'trpc', name: '@threadline/trpc' },
  { dir: 'bullmq', name: '@threadline/bullmq' },
  { dir: 'tui', name: '@threadline/tui' },
  { dir: 'watch', name: '@threadline/watch' },
  { dir: 'web', name: '@threadline/web' },
  { dir: 'cli', name: 'threadline' },
].map((pkg) => {
  const { version } = JSON.parse(readFileSync(join(REPO, 'packages', pkg.dir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return { ...pkg, tarball: `${pkg.name.replace('@', '').replace('/', '-')}-${version}.tgz` };
});

export interface PackageJson {
  name: string;
  version: string;
  license?: string;
  engines?: { node?: string };
  exports?: Record<string, string | { types?: string; default?: string }>;
  dependencies?: Record<string, string>;
}

export interface Installed {
  /** The temp folder holding the tarballs and the project. */
  root: string;
  project: string;
  /** Each tarball's files and package.json, by package name. */
  packed: Record<string, { files: string[]; pkg: PackageJson }>;
  /** What `threadline init` said. */
  initOutput: Result;
}

declare module 'vitest' {
  export interface ProvidedContext {
    installed: Installed;
  }
}

export const installed = (): Installed => inject('installed');

/** `threadline <args>` in the project, through npx as a user types it. */
export const threadline = (args: string[], options: { timeoutMs?: number } = {}) =>
  run('npx', ['--no-install', 'threadline', ...args], installed().project, options);

/** The installed command itself (no npx in between), for the long-running ones stopped with a signal. */
export const bin = () => join(installed().project, 'node_modules/.bin/threadline');
