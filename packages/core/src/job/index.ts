// The worker-safe entry point for job modules: `import { defineJob, z } from '@threadline/core/job'`.
export { z } from 'zod';
export { CancelledError } from '../protocol/errors.js';
export { writeFileAtomic, atomicTempPath } from './atomic.js';
export { defineJob } from './define.js';
export type { AnyJobDefinition, JobContext, JobDefinition, LogLevel, SummaryInfo } from './define.js';
