// Everything that can be wrong with the user's request, found before any file
// moves: a missing folder, an unknown job, input that does not validate, a
// folder the watcher cannot write to.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JobClient, NotFoundError, ValidationError } from '@threadline/core';
import { z } from '@threadline/core/job';
import { folderPaths, placeholdersOf } from './claim.js';
import type { FolderConfig } from './config.js';
import { fillInput, hasBuiltinMapping, usesPlaceholders } from './mapping.js';

export async function checkFolders(folders: FolderConfig[]): Promise<void> {
  const seen = new Set<string>();
  for (const folder of folders) {
    const stats = await stat(folder.path).catch(() => undefined);
    if (!stats) throw new NotFoundError(`folder not found: ${folder.path}`);
    if (!stats.isDirectory()) throw new ValidationError(`not a folder: ${folder.path}`);
    if (seen.has(folder.path)) throw new ValidationError(`${folder.path} is listed twice`);
    seen.add(folder.path);
    await checkWritable(folder.path, 'the watched folder');
    await checkWritable(folder.out, 'the output folder');
  }
}

const PROBE = '.threadline-probe-';

/** Creates the folder if needed and writes a probe file: permission bits alone lie (root, ACLs, read-only mounts). */
async function checkWritable(dir: string, what: string): Promise<void> {
  const probe = join(dir, `${PROBE}${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir, { recursive: true });
    // A watcher killed between writing its probe and removing it left one behind (ours, by its name).
    for (const name of await readdir(dir))
      if (name.startsWith(PROBE)) await rm(join(dir, name), { force: true });
    await writeFile(probe, '');
    await rm(probe, { force: true });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ValidationError(`cannot write to ${what} ${dir} (${reason})`);
  }
}

const looksLikePath = (ref: string) => /^(\.|\/|file:|https?:)/.test(ref) || /\.(m?[jt]s|cjs|cts)$/.test(ref);

/** Each rule's job exists and its input, with placeholders filled in, validates against the job's schema. */
export async function checkRules(client: JobClient, folders: FolderConfig[]): Promise<void> {
  const definitions = await client.definitions();
  for (const folder of folders) {
    for (const rule of folder.rules) {
      const definition = definitions.find((d) => d.name === rule.job);
      if (!definition && !looksLikePath(rule.job)) {
        const known = definitions.map((d) => d.name).join(', ');
        throw new NotFoundError(`unknown job "${rule.job}"${known ? `; known jobs: ${known}` : ''}`);
      }
      if (!hasBuiltinMapping(rule.job) && !usesPlaceholders(rule.mapping.input)) {
        throw new ValidationError(
          `${rule.job} has no built-in file mapping: say in its input where the file goes, ` +
            'with {{file}}, {{dir}} or {{out}} (e.g. --input \'{"path":"{{file}}"}\')',
        );
      }
      if (!definition) continue; // a job module by path: the engine checks its input at the first file
      const sample = sampleInput(folder, rule.mapping.input);
      let schema: z.ZodType;
      try {
        schema = z.fromJSONSchema(definition.inputSchema as Parameters<typeof z.fromJSONSchema>[0]);
      } catch {
        continue; // a schema zod cannot rebuild: the engine still checks at the first file
      }
      const parsed = schema.safeParse(sample);
      if (!parsed.success) {
        const issues = parsed.error.issues.map((issue) => ({
          path: issue.path.map(String).join('.') || '(input)',
          message: issue.message,
        }));
        const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
        throw new ValidationError(`invalid input for ${rule.job}: ${list}`, issues);
      }
    }
  }
}

function sampleInput(folder: FolderConfig, input: Record<string, unknown>): unknown {
  const dir = join(folderPaths(folder).processing, 'sample');
  const out = join(folderPaths(folder).work, 'sample', 'out');
  return fillInput(input, placeholdersOf({ file: join(dir, 'sample.jpg'), dir, out, name: 'sample.jpg' }));
}
