// The project's jobs by name: each path or glob of the config's `jobs` is
// expanded, each module imported once to read its name. A glob that matches
// nothing, a module that is not a job and two jobs with one name are errors.
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type JobRegistry, ValidationError } from '@threadline/core';
import { loadJob } from '@threadline/core/internal';
import { glob, isDynamicPattern } from 'tinyglobby';

export interface ProjectJob {
  name: string;
  url: string;
  /** The file, or "built-in". */
  from: string;
}

export async function projectJobs(
  patterns: string[],
  base: string,
  configFile: string,
  builtins: JobRegistry,
): Promise<ProjectJob[]> {
  const builtin: ProjectJob[] = Object.entries(builtins).map(([name, url]) => ({
    name,
    url,
    from: 'built-in',
  }));
  const byName = new Map(builtin.map((job) => [job.name, job]));
  // The project's own jobs first: they are what its users came for.
  const jobs: ProjectJob[] = [];
  for (const pattern of patterns) {
    const files = await expand(pattern, base, configFile);
    for (const file of files) {
      const url = pathToFileURL(file).href;
      const definition = await loadJob(url).catch((error: unknown) => {
        throw new ValidationError(`${configFile}: jobs: ${(error as Error).message}`);
      });
      const from = relative(base, file) || file;
      const other = byName.get(definition.name);
      if (other) {
        throw new ValidationError(
          `${configFile}: jobs: two jobs are named "${definition.name}": ${other.from} and ${from}`,
        );
      }
      const job = { name: definition.name, url, from };
      byName.set(job.name, job);
      jobs.push(job);
    }
  }
  return [...jobs, ...builtin];
}

async function expand(pattern: string, base: string, configFile: string): Promise<string[]> {
  if (!isDynamicPattern(pattern)) {
    const file = resolve(base, pattern);
    if (!existsSync(file)) throw new ValidationError(`${configFile}: jobs: ${pattern} does not exist`);
    return [file];
  }
  const files = await glob(pattern, {
    cwd: base,
    absolute: true,
    onlyFiles: true,
    ignore: ['**/node_modules/**', '**/*.d.ts', '**/*.test.*'],
  });
  if (files.length === 0) throw new ValidationError(`${configFile}: jobs: ${pattern} matches no file`);
  return files.sort();
}
