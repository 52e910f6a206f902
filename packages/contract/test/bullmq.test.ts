// The BullMQ client with one worker, against a real redis-server of its own.
import { createBullmqClient, runBullmqWorker } from '@threadline/bullmq';
import { cleanupStack, type RedisServer, startRedis } from '@threadline/testing';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { CONTRACT_REGISTRY, jobClientContract } from '../src/suite.js';

const cleanups = cleanupStack();
afterEach(cleanups.run);

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.close());

let deployment = 0;
jobClientContract(
  'the BullMQ client',
  async () => {
    // A prefix per test: each test sees a deployment of its own on the one server.
    const prefix = `contract${++deployment}`;
    const connection = redis.url;
    const worker = await runBullmqWorker({
      connection,
      prefix,
      registry: CONTRACT_REGISTRY,
      concurrency: 2,
      graceMs: 500,
      tickMs: 50,
    });
    const client = await createBullmqClient({ connection, prefix, registry: CONTRACT_REGISTRY });
    cleanups.add(async () => {
      await client.close();
      await worker.close();
    });
    return { client };
  },
  // Not on this backend yet: the contract holds it to a clear refusal instead.
  { capabilities: { resume: false, pauseSchedules: false, items: false } },
);
