// Reads a project config file and checks it: unknown keys, wrong types and
// a file that does not default-export an object are errors naming the file.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ValidationError } from '@threadline/core';
import { importDefault } from '@threadline/core/internal';
import { z } from '@threadline/core/job';
import { watchRulesSchema } from '@threadline/watch';
import type { ThreadlineConfig } from './define.js';

const positive = z.number().int().positive();
/** A stream's cap: `XADD MAXLEN ~` trims whole nodes of 100 entries, so less would not hold. */
const streamCap = z
  .number()
  .int()
  .min(100, 'must be at least 100 (a stream keeps whole nodes of 100 events)');

const configSchema = z.strictObject({
  $schema: z.string().optional(),
  jobs: z.array(z.string().min(1)).optional(),
  builtins: z.boolean().optional(),
  dataDir: z.string().min(1).optional(),
  allow: z.array(z.string().min(1)).optional(),
  poolSize: positive.optional(),
  graceMs: z.number().int().min(0).optional(),
  itemTimeoutMs: positive.optional(),
  workerMemoryMb: z.number().int().min(32).optional(),
  drainMs: z.number().int().min(0).optional(),
  resumeInterrupted: z.boolean().optional(),
  redis: z
    .string()
    .regex(/^rediss?(\+cluster)?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  retention: z
    .strictObject({
      maxJobs: positive.optional(),
      maxAgeMs: positive.optional(),
      maxJobEvents: streamCap.optional(),
      maxEvents: streamCap.optional(),
    })
    .optional(),
  server: z.url().optional(),
  token: z.union([z.string().min(1), z.literal(false)]).optional(),
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  limits: z
    .strictObject({
      maxBatchSize: positive.optional(),
      requestTimeoutMs: positive.optional(),
      maxStreams: positive.optional(),
      minEveryMs: z.number().int().min(10).optional(),
      streamBufferBytes: z.number().int().min(1024).optional(),
      totalStreamBufferBytes: z.number().int().min(1024).optional(),
    })
    .optional(),
  watch: watchRulesSchema.optional(),
});

/** Loads and checks `file`; every problem is a ValidationError that starts with the file's path. */
export async function loadConfigFile(file: string): Promise<ThreadlineConfig> {
  let value: unknown;
  try {
    value = file.endsWith('.json')
      ? JSON.parse(readFileSync(file, 'utf8'))
      : await importDefault(pathToFileURL(file).href);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new ValidationError(`${file}: cannot load the config: ${reason}`);
  }
  if (value === undefined) {
    throw new ValidationError(`${file}: no config (use \`export default defineConfig({...})\`)`);
  }
  const parsed = configSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(config)',
      message: issue.message,
    }));
    throw new ValidationError(`${file}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  }
  // The schema is the type's runtime twin; zod's optional keys only differ in admitting `undefined`.
  return parsed.data as ThreadlineConfig;
}
