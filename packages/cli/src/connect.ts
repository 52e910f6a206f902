// How the CLI's commands reach jobs: their own engine on the data directory
// (the embedded default), a running server, or a BullMQ deployment. Each
// transport is loaded on use, so `threadline --help` opens nothing.
import { type Connect, ValidationError } from '@threadline/core';

export const connect: Connect = async (options) => {
  if (options.server && options.redis) throw new ValidationError('give --server or --redis, not both');
  if (options.server) {
    const { createTrpcClient } = await import('@threadline/trpc');
    const url = `${options.server.replace(/\/+$/, '').replace(/\/trpc$/, '')}/trpc`;
    const client = createTrpcClient(url, options.token ? { token: options.token } : {});
    // A quick call, so an unreachable server is a clear message now rather than a hang later.
    await client.definitions().catch((error: unknown) => {
      void client.close();
      throw new ValidationError(`cannot reach the server at ${options.server}: ${(error as Error).message}`);
    });
    return { client, local: false, close: () => client.close() };
  }
  const { builtinJobs } = await import('@threadline/jobs');
  if (options.redis) {
    const { createBullmqClient } = await import('@threadline/bullmq');
    const client = await createBullmqClient({ connection: options.redis, registry: builtinJobs });
    return { client, local: false, close: () => client.close() };
  }
  const { createEngine } = await import('@threadline/core');
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
