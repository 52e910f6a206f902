// One subscription to the client's live events, shared by every SSE
// connection: each event is serialized once and the same frame goes to each
// listener (1,000 streams each running their own generator and web streams
// saturated the main thread; see bench measure 7).
import type { JobClient, JobEvent } from '@threadline/core';
import { eventFrame } from './frames.js';

export interface BroadcastListener {
  /** Called in seq order for every live event, with the event's frame. */
  deliver(event: JobEvent, frame: string): void;
  /** The live stream ended (the client closed): the listener must end too. */
  end(): void;
}

export class EventBroadcast {
  private readonly listeners = new Set<BroadcastListener>();
  private readonly stop = new AbortController();
  private ended = false;

  constructor(client: JobClient) {
    // Subscribe now, not with the first listener: a listener that joins is
    // live from that moment, never behind a subscription still starting.
    void this.follow(client);
  }

  get size(): number {
    return this.listeners.size;
  }

  add(listener: BroadcastListener): void {
    if (this.ended) listener.end();
    else this.listeners.add(listener);
  }

  delete(listener: BroadcastListener): void {
    this.listeners.delete(listener);
  }

  close(): void {
    this.stop.abort();
  }

  private async follow(client: JobClient): Promise<void> {
    try {
      for await (const event of client.events({ signal: this.stop.signal })) {
        const frame = eventFrame(event);
        for (const listener of this.listeners) listener.deliver(event, frame);
      }
    } catch {
      // The client failed or closed: ending every stream makes its clients reconnect and resume.
    } finally {
      this.ended = true;
      for (const listener of this.listeners) listener.end();
      this.listeners.clear();
    }
  }
}
