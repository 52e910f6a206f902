// A definition's zod schema, as the engine checks it and as UIs see it.
import { z } from 'zod';
import { ValidationError } from '../protocol/errors.js';
import type { JobDefinitionInfo } from '../protocol/types.js';
import { didYouMean } from '../suggest.js';
import type { AnyJobDefinition } from './define.js';

/** Converted once per schema: `definitions()` is called by every page load and every guarded start. */
const jsonSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

/** The input's JSON Schema (draft 2020-12), as a form would need it: defaults make fields optional. */
export function jobInputSchema(schema: z.ZodType): Record<string, unknown> {
  let json = jsonSchemas.get(schema);
  if (!json) {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    jsonSchemas.set(schema, json);
  }
  return json;
}

/**
 * Parses input against the schema, or throws a ValidationError naming each bad field. Keys the
 * schema does not name are refused (zod would drop them silently: `{"itemz":3}` ran 20 items),
 * unless the schema takes extra keys on purpose (`z.looseObject`, `.catchall()`).
 */
export function validateInput<T>(schema: z.ZodType<T>, input: unknown, jobName: string): T {
  const parsed = schema.safeParse(input);
  const issues = parsed.success
    ? unknownKeys(schema, input)
    : parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.') || '(input)',
        message: issue.message,
      }));
  if (parsed.success && issues.length === 0) return parsed.data;
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new ValidationError(`invalid input for ${jobName}: ${list}`, issues);
}

function unknownKeys(schema: z.ZodType, input: unknown): { path: string; message: string }[] {
  if (!(schema instanceof z.ZodObject) || schema.def.catchall !== undefined) return [];
  if (!input || typeof input !== 'object' || Array.isArray(input)) return [];
  const known = Object.keys(schema.shape);
  return Object.keys(input)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      path: key,
      message: `unknown key${didYouMean(key, known)}; this job takes ${known.join(', ') || 'no input'}`,
    }));
}

/** A definition as UIs see it: its input as JSON Schema. */
export function definitionInfo(definition: AnyJobDefinition): JobDefinitionInfo {
  return {
    name: definition.name,
    title: definition.title,
    description: definition.description ?? null,
    inputSchema: jobInputSchema(definition.input),
    every: definition.every ?? null,
    concurrency: definition.concurrency ?? null,
    unit: definition.unit ?? 'items',
  };
}
