// A real JobContext for running a job's code in the test's own thread, and a
// small runner that does what the engine does around it (validate, enumerate,
// process in order, summarize), so each job's logic is tested without a pool.
import { CancelledError, type JobContext, type JobDefinition, type LogLevel } from '@threadline/core/job';

export interface TestContext extends JobContext {
  /** Cancels, as the engine does: sets the flag throwIfCancelled() reads and aborts the signal. */
  cancel(): void;
  /** Every progress call, in order. */
  readonly updates: { done: number; total: number | undefined; message: string | undefined }[];
  readonly logs: { level: LogLevel; message: string }[];
}

export function testContext(
  onProgress?: (done: number, total: number | undefined, message: string | undefined) => void,
): TestContext {
  const controller = new AbortController();
  const updates: TestContext['updates'] = [];
  const logs: TestContext['logs'] = [];
  return {
    jobId: 'test-job',
    attempt: 1,
    index: 0,
    itemKey: 'test-job:0',
    signal: controller.signal,
    updates,
    logs,
    progress(done, total, message) {
      updates.push({ done, total, message });
      onProgress?.(done, total, message);
    },
    throwIfCancelled() {
      if (controller.signal.aborted) throw new CancelledError();
    },
    log(level, message) {
      logs.push({ level, message });
    },
    cancel() {
      controller.abort(new CancelledError());
    },
  };
}

export type Outcome<Result> =
  | { outcome: 'succeeded'; item: unknown; result: Result }
  | { outcome: 'failed' | 'cancelled'; item: unknown; error: Error };

/** Runs a job in this thread, item by item, the way the engine would. */
// biome-ignore lint/suspicious/noExplicitAny: accepts any job definition, as the engine does
export async function runInThread<Def extends JobDefinition<any, any, any, any>>(
  definition: Def,
  rawInput: unknown,
  ctx: TestContext = testContext(),
): Promise<{ summary: unknown; outcomes: Outcome<unknown>[] }> {
  const input = definition.input.parse(rawInput);
  if (definition.run) {
    const result = await definition.run(input, ctx);
    const summary = definition.summarize
      ? definition.summarize([result], { input, total: 1, succeeded: 1, failed: 0, cancelled: 0 })
      : result;
    return { summary, outcomes: [{ outcome: 'succeeded', item: null, result }] };
  }
  const outcomes: Outcome<unknown>[] = [];
  // The engine enumerates under its own signal; cancelling items does not stop the listing here.
  for await (const item of definition.items!(input, { signal: new AbortController().signal })) {
    try {
      outcomes.push({ outcome: 'succeeded', item, result: await definition.process!(item, ctx, input) });
    } catch (error) {
      const cancelled = error instanceof CancelledError || ctx.signal.aborted;
      outcomes.push({ outcome: cancelled ? 'cancelled' : 'failed', item, error: error as Error });
    }
  }
  const count = (outcome: string) => outcomes.filter((o) => o.outcome === outcome).length;
  const results = outcomes.flatMap((o) => (o.outcome === 'succeeded' ? [o.result] : []));
  const info = {
    input,
    total: outcomes.length,
    succeeded: count('succeeded'),
    failed: count('failed'),
    cancelled: count('cancelled'),
  };
  return { summary: definition.summarize ? definition.summarize(results, info) : info, outcomes };
}
