// The router's input schemas. A bad input is a ValidationError naming each
// field, the same error the engine throws, so both edges map it one way.
import { ITEM_STATUSES, JOB_STATES, ValidationError } from '@threadline/core';
import { z } from 'zod';

const id = z.string().min(1).max(200);

export const startInput = z.object({
  name: z.string().min(1).max(500),
  input: z.unknown(),
  every: z.string().min(1).max(50).optional(),
  /** A count ≥ 1 or a fraction 0 < f < 1; the client it reaches says which (maxFailuresOf). */
  maxFailures: z.number().positive().optional(),
});

export const cancelInput = z.object({
  id,
  force: z.boolean().optional(),
  reason: z.string().max(1000).optional(),
});

export const idInput = z.object({ id });

export const listInput = z
  .object({
    state: z.union([z.enum(JOB_STATES), z.array(z.enum(JOB_STATES)).max(JOB_STATES.length)]).optional(),
    name: z.string().max(500).optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    before: id.optional(),
  })
  .optional();

const time = z.number().int().min(0);

export const findInput = z
  .object({
    state: z.union([z.enum(JOB_STATES), z.array(z.enum(JOB_STATES)).max(JOB_STATES.length)]).optional(),
    name: z.string().max(500).optional(),
    text: z.string().max(500).optional(),
    createdFrom: time.optional(),
    createdTo: time.optional(),
    limit: z.number().int().min(1).max(1000).optional(),
    cursor: z.string().max(100).optional(),
  })
  .optional();

export const itemsInput = z.object({
  id,
  status: z.enum(ITEM_STATUSES).optional(),
  cursor: z.string().max(100).optional(),
  limit: z.number().int().min(1).max(500).optional(),
});

export const clearInput = z.object({ finishedBefore: time.optional() }).optional();

export const eventsInput = z
  .object({
    jobId: id.optional(),
    /** Set by tRPC's SSE link on reconnect (the id of the last `tracked()` event), or by the caller to resume. */
    lastEventId: z.string().regex(/^\d+$/, 'must be an event sequence number').nullish(),
  })
  .optional();

/** What an events input asks the client for: the job to follow and the seq to resume after. */
export function eventsOptions(input: z.infer<typeof eventsInput>): { jobId?: string; after?: number } {
  return {
    ...(input?.jobId !== undefined ? { jobId: input.jobId } : {}),
    ...(input?.lastEventId != null ? { after: Number(input.lastEventId) } : {}),
  };
}

/** A tRPC input parser that throws a ValidationError naming each bad field. */
export function parser<T>(schema: z.ZodType<T>): (raw: unknown) => T {
  return (raw) => {
    const parsed = schema.safeParse(raw);
    if (parsed.success) return parsed.data;
    const issues = parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(input)',
      message: issue.message,
    }));
    throw new ValidationError(
      `invalid request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  };
}
