// Job definitions as the client and the worker find them: a job's ref (a
// registry name, or a module path/URL) resolved through the local registry.
import {
  type AnyJobDefinition,
  type JobDefinitionInfo,
  type JobRegistry,
  jobInputSchema,
  loadJob,
  resolveJobRef,
} from '@threadline/core';

export async function loadDefinition(
  ref: string,
  registry: JobRegistry,
): Promise<{ definition: AnyJobDefinition; moduleUrl: string }> {
  const moduleUrl = resolveJobRef(ref, registry);
  return { definition: await loadJob(moduleUrl), moduleUrl };
}

export function toInfo(definition: AnyJobDefinition): JobDefinitionInfo {
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
