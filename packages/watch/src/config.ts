// What to watch: one folder and a job from the command line, or several
// folders with glob → job rules from the project config's `watch` key:
//
//   watch: { stableMs: 2000, concurrency: 4,
//            folders: [{ path: 'scans', out: 'scans/done',
//                        rules: [{ match: '*.{jpg,png}', job: 'image.scale', input: { size: 1200 } },
//                                { match: '*', job: 'files.checksum' }] }] }
//
// Relative paths resolve against the config file's folder. The first
// rule whose glob matches a file's name (case-insensitive) takes it; a file
// no rule matches stays where it is.
import { join, resolve } from 'node:path';
import { ValidationError } from '@threadline/core';
import { z } from '@threadline/core/job';
import picomatch from 'picomatch';
import { type Mapping, mappingFor } from './mapping.js';

export const DEFAULT_STABLE_MS = 2000;
export const DEFAULT_CONCURRENCY = 4;

export interface Rule {
  match: string;
  job: string;
  mapping: Mapping;
  matches: (name: string) => boolean;
}

export interface FolderConfig {
  /** The watched folder, absolute. */
  path: string;
  /** How lines name the folder when there are several: its path as the config file gives it. */
  label?: string;
  /** Where results go; default `<path>/done`. */
  out: string;
  rules: Rule[];
  /** How long a file's size and mtime must stay the same before it is taken. */
  stableMs: number;
  /** Files of this folder in work at once. */
  concurrency: number;
}

const source = z.enum(['done', 'originals', 'delete']);
const ruleSchema = z.strictObject({
  match: z.string().min(1).default('*'),
  job: z.string().min(1),
  input: z.record(z.string(), z.unknown()).default({}),
  source: source.optional(),
});
const positive = z.number().int().positive();
const folderSchema = z.strictObject({
  path: z.string().min(1),
  out: z.string().min(1).optional(),
  rules: z.array(ruleSchema).min(1),
  stableMs: z.number().int().min(0).optional(),
  concurrency: positive.optional(),
});
/** The config's `watch` key. */
export const watchRulesSchema = z.strictObject({
  stableMs: z.number().int().min(0).optional(),
  concurrency: positive.optional(),
  folders: z.array(folderSchema).min(1),
});
type RuleInput = z.infer<typeof ruleSchema>;

export function makeRule(rule: RuleInput): Rule {
  const isMatch = picomatch(rule.match, { nocase: true });
  return {
    match: rule.match,
    job: rule.job,
    mapping: mappingFor(rule.job, rule.input, rule.source),
    matches: (name) => isMatch(name),
  };
}

/** Checks the config's `watch` rules (relative paths against `base`); a bad one is a ValidationError naming `file` and the field. */
export function foldersFromRules(
  rules: unknown,
  where: { base: string; file: string },
  overrides: { stableMs?: number; concurrency?: number },
): FolderConfig[] {
  const parsed = watchRulesSchema.safeParse(rules);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: ['watch', ...issue.path.map(String)].join('.'),
      message: issue.message,
    }));
    throw new ValidationError(
      `${where.file}: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
      issues,
    );
  }
  return parsed.data.folders.map((folder) => {
    const folderPath = resolve(where.base, folder.path);
    return {
      path: folderPath,
      label: folder.path,
      out: folder.out ? resolve(where.base, folder.out) : join(folderPath, 'done'),
      rules: folder.rules.map(makeRule),
      stableMs: overrides.stableMs ?? folder.stableMs ?? parsed.data.stableMs ?? DEFAULT_STABLE_MS,
      concurrency:
        overrides.concurrency ?? folder.concurrency ?? parsed.data.concurrency ?? DEFAULT_CONCURRENCY,
    };
  });
}

/** Parses `--input`: a JSON object. */
export function parseInputOption(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`--input is not valid JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ValidationError('--input must be a JSON object, e.g. \'{"size": 800}\'');
  }
  return value as Record<string, unknown>;
}
