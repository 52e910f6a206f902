// How the CLI's commands reach jobs: their own engine on the data directory
// (the embedded default), a running server, or a BullMQ deployment.
import { type Connect, createEngine, ValidationError } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';

export const connect: Connect = async (options) => {
  if (options.server && options.redis) throw new ValidationError('give --server or --redis, not both');
  if (options.server || options.redis) {
    throw new ValidationError(
      `${options.server ? '--server' : '--redis'} is not available in this build yet`,
    );
  }
  const engine = await createEngine({
    registry: builtinJobs,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
  });
  return { client: engine, local: true, close: () => engine.close() };
};

/** Parses a positive integer option, naming it when it is not one. */
export function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}
