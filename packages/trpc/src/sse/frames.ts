// tRPC v11's SSE wire format (what `httpSubscriptionLink` parses), written as
// strings: each field line, then the blank line tRPC adds after every message.
import type { JobEvent } from '@threadline/core';

export const SSE_HEADERS = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
  vary: 'trpc-accept, accept',
} as const;

/** The first message: the client's options, e.g. when to reconnect after silence. */
export const connectedFrame = (client: object) => `event: connected\ndata: ${JSON.stringify(client)}\n\n\n`;

export const PING_FRAME = 'event: ping\ndata: \n\n\n';

/** A `tracked(String(seq), event)` message: the id is what a reconnect sends back as Last-Event-ID. */
export const eventFrame = (event: JobEvent) => `data: ${JSON.stringify(event)}\nid: ${event.seq}\n\n\n`;

/** An error in tRPC's error shape; the client rejects the subscription with it. */
export const errorFrame = (shape: unknown) => `event: serialized-error\ndata: ${JSON.stringify(shape)}\n\n\n`;
