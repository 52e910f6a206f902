// The worker-safe entry point for job modules: `import { defineJob, z } from '@threadline/core/job'`.
export { z } from 'zod';
export { CancelledError } from '../protocol/errors.js';
export { atomicTempPath, writeFileAtomic } from './atomic.js';
export type {
  AnyJobDefinition,
  JobContext,
  JobDefinition,
  JobInputOf,
  LogLevel,
  SummaryInfo,
} from './define.js';
export { defineJob } from './define.js';
