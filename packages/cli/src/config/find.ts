// Where a project's config is: named by --config or THREADLINE_CONFIG, else the
// first threadline.config.* from the current directory upward (as vite and
// vitest find theirs).
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ValidationError } from '@threadline/core';

export const CONFIG_NAMES = [
  'threadline.config.ts',
  'threadline.config.mts',
  'threadline.config.js',
  'threadline.config.mjs',
  'threadline.config.json',
] as const;

export interface ConfigLocation {
  file: string;
  /** How it was found, for `threadline config`. */
  how: 'flag' | 'env' | 'search';
}

export function findConfig(
  named: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): ConfigLocation | undefined {
  const given = named ?? env.THREADLINE_CONFIG;
  if (given) {
    const file = resolve(cwd, given);
    const source = named ? '--config' : 'THREADLINE_CONFIG';
    if (!existsSync(file) || !statSync(file).isFile())
      throw new ValidationError(`${source} names ${file}, which is not a file`);
    return { file, how: named ? 'flag' : 'env' };
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    for (const name of CONFIG_NAMES) {
      const file = join(dir, name);
      if (existsSync(file)) return { file, how: 'search' };
    }
    if (dirname(dir) === dir) return undefined;
  }
}
