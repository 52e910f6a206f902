// Compile-time checked starts: a JobClient that knows each job's input type.
// Names and inputs cross every transport as plain data (`start(name: string,
// input: unknown)`); this narrows the signature for callers, nothing more.
import type { JobClient, JobSnapshot, StartOptions } from './types.js';

/** `Inputs` maps job names to what `start()` takes for each, e.g. `BuiltinJobInputs` from @threadline/jobs. */
export type TypedJobClient<Inputs extends object> = Omit<JobClient, 'start'> & {
  start<Name extends keyof Inputs & string>(
    name: Name,
    input: Inputs[Name],
    options?: StartOptions,
  ): Promise<JobSnapshot>;
};

/** The same client, with `start()` checked against `Inputs` (the engine still validates at run time). */
export function typedClient<Inputs extends object>(client: JobClient): TypedJobClient<Inputs> {
  return client;
}
