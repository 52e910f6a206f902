// `resume(id)`: a new job with the old one's input that takes over what the
// old one's items did (by position, or by itemKey), so only the rest runs.
import { loadJob } from '../job/load.js';
import { resolveJobRef } from '../job/registry.js';
import { validateInput } from '../job/schema.js';
import { NotFoundError, ValidationError } from '../protocol/errors.js';
import type { JobSnapshot } from '../protocol/types.js';
import { IndexSet } from '../rules/index-set.js';
import type { Inherited } from './active-job.js';
import type { EngineContext } from './context.js';

export async function resumeJob(engine: EngineContext, jobId: string): Promise<JobSnapshot> {
  if (engine.closing) throw new ValidationError('the engine is closing');
  const live = engine.live.get(jobId);
  if (live) throw new ValidationError(`job ${jobId} is ${live.state}: it can be resumed once it has ended`);
  engine.flush();
  const { store } = engine;
  const old = store.getJob(jobId);
  if (!old) throw new NotFoundError(`no job with id ${jobId}`);
  if (old.resumedAs) throw new ValidationError(`job ${jobId} was resumed already, as ${old.resumedAs}`);
  if (old.state === 'succeeded')
    throw new ValidationError(`job ${jobId} succeeded: nothing to resume (start it again to redo it)`);
  const record = store.itemRecord(jobId);
  // A job interrupted before it started has no record: its name finds its module.
  const moduleUrl = record?.moduleUrl ?? resolveJobRef(old.name, engine.registry, engine.options.cwd);
  const definition = await loadJob(moduleUrl);
  const input = validateInput(definition.input, old.input, definition.name);
  const inherited: Inherited = {
    indices: new IndexSet(record?.succeeded ?? []),
    keys: definition.itemKey ? store.resultKeys(jobId) : null,
  };
  const job = engine.enqueue({
    definition,
    moduleUrl,
    input,
    maxFailures: old.maxFailures,
    resume: { jobId, inherited },
  });
  store.copyResults(jobId, job.id);
  old.resumedAs = job.id;
  engine.dirty.add(old);
  engine.flush();
  return job;
}
