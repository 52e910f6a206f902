// The rule that keeps a web request from reaching files outside the folders
// the user allowed: every path-like string in a job's input must resolve, after
// symlinks and `..`, inside an allowed root.
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationError } from '@threadline/core';

/** Keys whose string values are paths even when they do not look like one ("photos"). */
const PATH_KEY = /(path|dir|folder|file|source|target|root|src|dest|out|input|output)s?$/i;
const URL_SCHEME = /^[a-z][a-z0-9+.-]+:/i;

function looksLikePath(key: string, value: string): boolean {
  if (value === '') return false;
  if (value.startsWith('file:')) return true;
  if (URL_SCHEME.test(value) && !/^[a-z]:[\\/]/i.test(value)) return false; // http:, https:, data: …
  return (
    PATH_KEY.test(key) ||
    value.includes('/') ||
    value.includes('\\') ||
    value.startsWith('~') ||
    value === '.' ||
    value === '..'
  );
}

/** Every string in `input` that names a file, with its field path ("dirs.0"). */
export function pathsIn(input: unknown, key = '', at: string[] = []): { field: string; value: string }[] {
  if (typeof input === 'string')
    return looksLikePath(key, input) ? [{ field: at.join('.') || '(input)', value: input }] : [];
  if (Array.isArray(input)) return input.flatMap((item, index) => pathsIn(item, key, [...at, String(index)]));
  if (input && typeof input === 'object') {
    return Object.entries(input).flatMap(([k, v]) => pathsIn(v, k, [...at, k]));
  }
  return [];
}

/**
 * The real location of `path`, even if it does not exist yet: the realpath of its
 * deepest existing ancestor, plus the rest. The rest may not contain `..`,
 * which the kernel would resolve against whatever gets created there later.
 */
export async function realLocation(path: string, cwd: string): Promise<string> {
  const absolute = isAbsolute(path) ? path : `${cwd}${sep}${path}`;
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      const real = await realpath(current);
      if (rest.includes('..')) throw new Error('`..` after a folder that does not exist');
      return rest.length ? resolve(real, ...rest.reverse()) : real;
    } catch (error) {
      if (
        (error as NodeJS.ErrnoException).code !== 'ENOENT' &&
        (error as NodeJS.ErrnoException).code !== 'ENOTDIR'
      ) {
        throw error;
      }
      const parent = dirname(current);
      if (parent === current) throw error;
      rest.push(basename(current));
      current = parent;
    }
  }
}

const inside = (path: string, root: string) =>
  path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);

export class PathPolicy {
  private constructor(
    /** Real paths of the allowed roots. */
    readonly roots: string[],
    private readonly cwd: string,
  ) {}

  static async create(allow: string[], cwd = process.cwd()): Promise<PathPolicy> {
    const roots = await Promise.all((allow.length ? allow : [cwd]).map((dir) => realpath(resolve(cwd, dir))));
    return new PathPolicy(roots, cwd);
  }

  /** Throws a ValidationError naming each field whose path is outside every allowed root. */
  async check(input: unknown): Promise<void> {
    const issues: { path: string; message: string }[] = [];
    for (const { field, value } of pathsIn(input)) {
      const raw = value.startsWith('file:') ? safeFileUrl(value) : value;
      let real: string | undefined;
      try {
        if (raw !== undefined && !raw.startsWith('~')) real = await realLocation(raw, this.cwd);
      } catch {
        real = undefined;
      }
      if (real === undefined || !this.roots.some((root) => inside(real, root))) {
        issues.push({
          path: field,
          message: `${value} is outside the allowed folders (${this.roots.join(', ')}); start the server with --allow to add one`,
        });
      }
    }
    if (issues.length) {
      throw new ValidationError(
        `refused: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues,
      );
    }
  }

  /**
   * check(), then the input with each path replaced by the real location it was checked at (a
   * `file:` URL stays as given): a job started with it is not sent out of the roots by a folder
   * swapped for a symlink between the check and its start. The jobs keep to those real paths
   * while they run (@threadline/jobs' confined opens).
   */
  async resolve(input: unknown): Promise<unknown> {
    await this.check(input);
    return withRealPaths(input, '', this.cwd);
  }
}

async function withRealPaths(input: unknown, key: string, cwd: string): Promise<unknown> {
  if (typeof input === 'string')
    return looksLikePath(key, input) && !input.startsWith('file:') ? realLocation(input, cwd) : input;
  if (Array.isArray(input)) return Promise.all(input.map((item) => withRealPaths(item, key, cwd)));
  if (input && typeof input === 'object') {
    const entries = Object.entries(input).map(async ([k, v]) => [k, await withRealPaths(v, k, cwd)] as const);
    return Object.fromEntries(await Promise.all(entries));
  }
  return input;
}

function safeFileUrl(value: string): string | undefined {
  try {
    return fileURLToPath(value);
  } catch {
    return undefined;
  }
}
