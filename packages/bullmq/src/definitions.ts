// Job definitions as the client and the worker find them: a job's ref (a
// registry name, or a module path/URL) resolved through the local registry.
import { type AnyJobDefinition, type JobRegistry, NotFoundError } from '@threadline/core';
import { loadJob, resolveJobRef } from '@threadline/core/internal';

/** The worker resolving a ref, named in the error when it lacks the job. */
export interface Resolver {
  id: string;
  host: string;
}

/** Refs that name a module rather than a registry entry: the client sends a URL for a job it has no name for. */
const isModuleUrl = (ref: string) => /^(file|data|https?):/.test(ref);

export async function loadDefinition(
  ref: string,
  registry: JobRegistry,
  worker?: Resolver,
): Promise<{ definition: AnyJobDefinition; moduleUrl: string }> {
  const moduleUrl = worker ? resolveOnWorker(ref, registry, worker) : resolveJobRef(ref, registry);
  return { definition: await loadJob(moduleUrl), moduleUrl };
}

/** resolveJobRef, with a miss said as which machine lacks the job and what to do about it. */
function resolveOnWorker(ref: string, registry: JobRegistry, worker: Resolver): string {
  try {
    return resolveJobRef(ref, registry);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const where = `worker on ${worker.host} (${worker.id})`;
    if (isModuleUrl(ref)) throw new NotFoundError(`${where}: ${error.message}`);
    const known = Object.keys(registry).sort();
    throw new NotFoundError(
      `${where} has no job "${ref}"; its jobs: ${known.length ? known.join(', ') : '(none)'}. ` +
        "Add the job to that machine's threadline.config",
    );
  }
}
