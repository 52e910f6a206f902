// A definition's zod schema, as the engine checks it and as UIs see it.
import { z } from 'zod';
import { ValidationError } from '../protocol/errors.js';
import type { JobDefinitionInfo } from '../protocol/types.js';
import type { AnyJobDefinition } from './define.js';

/** The input's JSON Schema (draft 2020-12), as a form would need it: defaults make fields optional. */
export function jobInputSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** Parses input against the schema, or throws a ValidationError naming each bad field. */
export function validateInput<T>(schema: z.ZodType<T>, input: unknown, jobName: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.map(String).join('.') || '(input)',
    message: issue.message,
  }));
  const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
  throw new ValidationError(`invalid input for ${jobName}: ${list}`, issues);
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
