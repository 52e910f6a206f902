// `threadline/job`: what a job module imports, so a project depends on `threadline` alone.
export * from '@threadline/core/job';
