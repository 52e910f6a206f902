// The page's tRPC client: plain HTTP for queries and mutations, SSE for events.
// Same origin, so the token (if any) travels in the cookie the server set.
import type { JobDetails, JobSnapshot } from '@threadline/core';
import type { AppRouter } from '@threadline/trpc';
import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from '@trpc/client';

export const trpc = createTRPCClient<AppRouter>({
  links: [
    splitLink({
      condition: (op) => op.type === 'subscription',
      true: httpSubscriptionLink({ url: '/trpc' }),
      false: httpLink({ url: '/trpc' }),
    }),
  ],
});

export interface Issue {
  path: string;
  message: string;
}

/** The field issues of a BAD_REQUEST, as the router sends them. */
export function issuesOf(error: unknown): Issue[] {
  if (!(error instanceof TRPCClientError)) return [];
  const issues = (error.data as { issues?: Issue[] } | undefined)?.issues;
  return Array.isArray(issues) ? issues : [];
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

// tRPC's JSON typing makes `unknown` fields optional; the router returns core's types unchanged.
export const listJobs = (filter: Parameters<typeof trpc.jobs.list.query>[0]) =>
  trpc.jobs.list.query(filter) as Promise<JobSnapshot[]>;
export const getJob = (id: string) => trpc.jobs.get.query({ id }) as Promise<JobSnapshot>;
export const getDetails = (id: string) => trpc.jobs.details.query({ id }) as Promise<JobDetails>;
