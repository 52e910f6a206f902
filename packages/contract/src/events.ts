// Reading a job's events the way a UI does, and what every backend's stream
// must agree on: an item's outcome is told once, succeeded items as counts
// (`items`) or one by one (`item`), the rest one by one, adding up to the
// final counts.
import type { ItemCounts, JobClient, JobEvent, JobSnapshot } from '@threadline/core';
import { collect } from '@threadline/testing';
import { expect } from 'vitest';

type FinishedEvent = Extract<JobEvent, { type: 'finished' }>;

/** Until the job's `finished` event, replayed from `after` (the start by default). */
export async function eventsOf(client: JobClient, jobId: string, after = 0): Promise<JobEvent[]> {
  return collect(client.events({ jobId, after }), (event) => event.type === 'finished');
}

export async function finished(client: JobClient, jobId: string): Promise<JobSnapshot> {
  await eventsOf(client, jobId);
  return (await client.get(jobId))!;
}

/** The item outcomes a stream told, by outcome: `items` counts plus one per `item` event. */
export function tally(events: JobEvent[]): Omit<ItemCounts, 'total'> {
  const counts = { succeeded: 0, failed: 0, cancelled: 0 };
  for (const event of events) {
    if (event.type === 'items') counts.succeeded += event.succeeded;
    if (event.type === 'item') counts[event.outcome]++;
  }
  return counts;
}

/**
 * Checks what a finished job's whole stream must say on every backend, and returns its
 * `finished` event: seqs strictly increasing, `finished` once and last, no item told twice,
 * and the outcomes told adding up to the final counts.
 */
export function expectConsistentStream(events: JobEvent[]): FinishedEvent {
  for (let i = 1; i < events.length; i++) expect(events[i]!.seq).toBeGreaterThan(events[i - 1]!.seq);
  const last = events.at(-1)!;
  expect(last.type).toBe('finished');
  expect(events.filter((event) => event.type === 'finished')).toHaveLength(1);
  const final = last as FinishedEvent;

  const indices = events.flatMap((event) => (event.type === 'item' ? [event.index] : []));
  expect(new Set(indices).size).toBe(indices.length);
  for (const event of events) {
    if (event.type === 'items') expect(Number.isInteger(event.succeeded) && event.succeeded > 0).toBe(true);
  }
  const told = tally(events);
  expect({ succeeded: told.succeeded, failed: told.failed }).toEqual({
    succeeded: final.items.succeeded,
    failed: final.items.failed,
  });
  // Items a cancel or a stop dropped before any worker had them are counted at the end, without an event each.
  expect(told.cancelled).toBeLessThanOrEqual(final.items.cancelled);
  if (final.items.total !== null) {
    const { succeeded, failed, cancelled, total } = final.items;
    expect(succeeded + failed + cancelled).toBeLessThanOrEqual(total);
  }
  return final;
}
