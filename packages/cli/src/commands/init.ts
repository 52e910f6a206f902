// `threadline init [dir]`: writes a minimal project (package.json, a config,
// one example job) and says what to type next. It never overwrites a file.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, relative, resolve } from 'node:path';
import { ValidationError } from '@threadline/core';
import { CONFIG_NAMES } from '../config/find.js';
import { EXIT } from '../exit.js';
import { CONFIG_TS, EXAMPLE_JOB, GITIGNORE, packageJson } from '../init/templates.js';
import { type CommandSpec, HELP, helpText, type OptionTable, parseCommand } from '../options.js';

export const INIT = {
  name: 'init',
  synopsis: '[dir]',
  description: `Start a Threadline project in dir (default: the current directory):
  package.json            depends on threadline (an existing one gets the dependency added)
  threadline.config.ts    where your jobs are, and this project's data directory
  jobs/count.ts           an example job that reports progress and honours cancellation
  .gitignore              node_modules/ and .threadline/
No file is overwritten.`,
  positionals: true,
  options: { help: HELP },
} as const satisfies CommandSpec<OptionTable>;

export async function runInit(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, INIT);
  if (values.help) {
    console.log(helpText(INIT));
    return EXIT.ok;
  }
  if (positionals.length > 1)
    throw new ValidationError('give at most one folder (see threadline init --help)');
  const dir = resolve(positionals[0] ?? '.');
  const existing = CONFIG_NAMES.map((name) => join(dir, name)).find((file) => existsSync(file));
  if (existing) throw new ValidationError(`${existing} already exists: this folder is a Threadline project`);
  const job = join(dir, 'jobs', 'count.ts');
  if (existsSync(job)) throw new ValidationError(`${job} already exists; not overwriting it`);

  const version = ownVersion();
  mkdirSync(join(dir, 'jobs'), { recursive: true });
  const written: string[] = [];
  const pkgFile = join(dir, 'package.json');
  if (existsSync(pkgFile)) {
    if (addDependency(pkgFile, version)) written.push('package.json (added the threadline dependency)');
  } else {
    writeFileSync(pkgFile, packageJson(npmName(basename(dir)), version), { flag: 'wx' });
    written.push('package.json');
  }
  writeFileSync(join(dir, 'threadline.config.ts'), CONFIG_TS, { flag: 'wx' });
  writeFileSync(job, EXAMPLE_JOB, { flag: 'wx' });
  written.push('threadline.config.ts', 'jobs/count.ts');
  if (!existsSync(join(dir, '.gitignore'))) {
    writeFileSync(join(dir, '.gitignore'), GITIGNORE, { flag: 'wx' });
    written.push('.gitignore');
  }

  const where = relative(process.cwd(), dir);
  console.log(`Wrote a Threadline project in ${dir}:`);
  for (const file of written) console.log(`  ${file}`);
  console.log('\nNext:');
  if (where) console.log(`  cd ${where.includes(' ') ? JSON.stringify(where) : where}`);
  console.log('  npm install');
  console.log('  npx threadline serve     # the dashboard, with example.count ready to start');
  return EXIT.ok;
}

function ownVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Adds `threadline` to an existing package.json's dependencies; false when it is already there. */
function addDependency(file: string, version: string): boolean {
  let pkg: { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ValidationError(`${file} is not valid JSON: ${(error as Error).message}`);
  }
  if (pkg.dependencies?.threadline || pkg.devDependencies?.threadline) return false;
  pkg.dependencies = { ...pkg.dependencies, threadline: `^${version}` };
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  return true;
}

/** A folder name as an npm package name. */
function npmName(name: string): string {
  const clean = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+|[-]+$/g, '');
  return clean || 'threadline-project';
}
