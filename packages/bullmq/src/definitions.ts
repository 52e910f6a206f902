// Job definitions as the client and the worker find them: a job's ref (a
// registry name, or a module path/URL) resolved through the local registry.
import { type AnyJobDefinition, type JobRegistry, loadJob, resolveJobRef } from '@threadline/core';

export async function loadDefinition(
  ref: string,
  registry: JobRegistry,
): Promise<{ definition: AnyJobDefinition; moduleUrl: string }> {
  const moduleUrl = resolveJobRef(ref, registry);
  return { definition: await loadJob(moduleUrl), moduleUrl };
}
