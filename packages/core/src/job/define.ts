// What a job module default-exports. This file is imported inside worker
// threads too, so it must stay free of anything heavy (no store, no pool).
import type { z } from 'zod';
import { maxFailuresProblem } from '../rules/final-state.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** What an item's code sees while it runs in a worker thread. */
export interface JobContext {
  /** Report progress. Cheap enough for the innermost loop: a store into shared memory, no message. */
  progress(done: number, total?: number, message?: string): void;
  /** Aborted when the job is cancelled. */
  readonly signal: AbortSignal;
  /** Throws a CancelledError if the job was cancelled. Synchronous: for CPU loops that never await. */
  throwIfCancelled(): void;
  log(level: LogLevel, message: string): void;
  /** The job's id, for naming temporary files. */
  readonly jobId: string;
  /**
   * 1, or more when this item may have run before: over BullMQ delivery is at least once, and a
   * chunk whose worker died before recording it runs again elsewhere (its second delivery is 2). An
   * item whose effects reach outside Threadline can check what it did on an attempt past the first.
   */
  readonly attempt: number;
  /** The item's position in items(), from 0 (0 for a `run` job's one call). */
  readonly index: number;
  /**
   * `<jobId>:<index>`: the same on every delivery of this item, and no other job's item has it. Over
   * BullMQ delivery is at least once, so a chunk may run twice; in-process an item goes to a thread
   * once, and the key means the same. Name an effect outside Threadline by it (an output file, an
   * upsert's key) and a second run overwrites the first instead of adding to it. A resume is a job
   * of its own, with its own keys: across runs, name the effect by the item (the definition's itemKey).
   */
  readonly itemKey: string;
}

/** `RawInput` is what the schema accepts before its defaults fill the rest: what a caller passes to `start()`. */
export interface JobDefinition<
  Input = unknown,
  Item = unknown,
  Result = unknown,
  Summary = unknown,
  RawInput = Input,
> {
  name: string;
  title: string;
  description?: string;
  /** Validated before anything runs; exposed to UIs as JSON Schema. */
  input: z.ZodType<Input, RawInput>;
  /** Enumerates the work. Runs in the engine (main thread): keep it cheap. */
  items?: (input: Input, ctx: { signal: AbortSignal }) => AsyncIterable<Item> | Iterable<Item>;
  /** Processes one item, in a worker thread. */
  process?: (item: Item, ctx: JobContext, input: Input) => Promise<Result> | Result;
  /** A job with no natural items: one long call, in a worker thread. */
  run?: (input: Input, ctx: JobContext) => Promise<Result> | Result;
  /**
   * Names an item across runs, for a resume: by default an item is its position in items(), which
   * is right while items() yields the same things in the same order. Give a key (a path, a URL)
   * where the order or the contents can change between a run and its resume.
   */
  itemKey?: (item: Item) => string | number;
  /**
   * How much of the job an item is, in the job's `unit` (a file's size, with unit 'bytes'): the
   * job's progress is then the weight done (running items by their own progress) of the total,
   * so one large file weighs as much as it takes. Without it, every item weighs one.
   */
  itemWeight?: (item: Item) => number;
  /**
   * Folds item results (in item order, failed items omitted) into the job's summary. Runs in the
   * engine. A resumed job's summarize gets the results of the items its predecessor did too: one
   * that writes (a file, a database) should write the whole of it, or skip what was written.
   */
  summarize?: (results: Result[], info: SummaryInfo<Input>) => Summary;
  /** At most this many jobs of this definition run at once (1 = one at a time). */
  concurrency?: number;
  /** Run periodically, e.g. '5m'; each run is its own job. */
  every?: string;
  /** Stop the whole job at its first failed item, and fail it with that item's error (maxFailures: 1). */
  failFast?: boolean;
  /**
   * Stop the whole job and fail it once this many of its items have failed: a count (1, 2, …),
   * or a fraction of all its items (0 < f < 1: 0.1 fails it once a tenth of them failed, as soon
   * as the total is known). A start's `maxFailures` overrides it. Give this or failFast, not both.
   */
  maxFailures?: number;
  /** What one unit of progress is called ('files', 'bytes', 'feeds'). */
  unit?: string;
  /**
   * An item (or a run's one call) running longer than this many ms fails with "timed out after N
   * ms": it is cancelled (its signal, throwIfCancelled()), and its thread terminated if it has not
   * stopped within the engine's graceMs. Overrides the engine's itemTimeoutMs; default none.
   */
  itemTimeoutMs?: number;
}

export interface SummaryInfo<Input> {
  input: Input;
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** Declares a job. The module that calls it must `export default` the result. */
export function defineJob<Input, Item = unknown, Result = unknown, Summary = unknown, RawInput = Input>(
  definition: JobDefinition<Input, Item, Result, Summary, RawInput>,
): JobDefinition<Input, Item, Result, Summary, RawInput> {
  if (!definition.name || typeof definition.name !== 'string')
    throw new TypeError('defineJob: name is required');
  if (!definition.process && !definition.run) {
    throw new TypeError(`defineJob(${definition.name}): give either process (with items) or run`);
  }
  if (definition.process && !definition.items) {
    throw new TypeError(`defineJob(${definition.name}): process needs items to enumerate`);
  }
  if (definition.maxFailures !== undefined) {
    const problem = maxFailuresProblem(definition.maxFailures);
    if (problem) throw new TypeError(`defineJob(${definition.name}): maxFailures ${problem}`);
    if (definition.failFast) {
      throw new TypeError(`defineJob(${definition.name}): give failFast or maxFailures, not both`);
    }
  }
  const timeout = definition.itemTimeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new TypeError(`defineJob(${definition.name}): itemTimeoutMs must be a whole number of ms above 0`);
  }
  return definition;
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds definitions of every input type
export type AnyJobDefinition = JobDefinition<any, any, any, any, any>;

/** What `start()` takes for a job: its schema's input, before defaults. */
// biome-ignore lint/suspicious/noExplicitAny: matches a definition of any types
export type JobInputOf<D> = D extends JobDefinition<any, any, any, any, infer Raw> ? Raw : never;
