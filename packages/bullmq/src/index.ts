// @threadline/bullmq: the distributed backend. A JobClient over BullMQ + Redis,
// and the worker that runs a deployment's items on its own thread pool.

export { type BullmqClient, type BullmqClientOptions, createBullmqClient } from './client/client.js';
export type { DeploymentWorker, DeploymentWorkers } from './client/workers.js';
export {
  type ClusterConnection,
  describeConnection,
  probeRedis,
  type RedisConnection,
  RedisOutOfMemoryError,
  RedisUnavailableError,
} from './connection.js';
export type { RetentionOptions, WorkerInfo } from './store/store.js';
export {
  type BullmqWorker,
  type BullmqWorkerOptions,
  type DrainReport,
  runBullmqWorker,
  type WorkerShutdownOptions,
} from './worker/worker.js';
