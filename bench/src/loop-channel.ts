// The main thread's end of the loop job's BroadcastChannel: waits for a tagged
// event ('entered', 'stopped') posted from a worker, with its absolute time.
import { BroadcastChannel } from 'node:worker_threads';
// @ts-expect-error: a plain JavaScript job module, without types
import { CHANNEL } from './jobs/loop.js';

export interface LoopEvent {
  tag: string;
  event: 'entered' | 'stopped';
  at: number;
}

export class LoopChannel {
  private readonly channel = new BroadcastChannel(CHANNEL as string);
  private readonly seen: LoopEvent[] = [];
  private waiters: (() => void)[] = [];

  constructor() {
    this.channel.onmessage = (message) => {
      this.seen.push((message as { data: LoopEvent }).data);
      for (const wake of this.waiters.splice(0)) wake();
    };
    this.channel.unref();
  }

  async next(tag: string, event: LoopEvent['event'], timeoutMs = 10_000): Promise<LoopEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.seen.find((e) => e.tag === tag && e.event === event);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${event} from loop ${tag} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100).unref();
      });
    }
  }

  close(): void {
    this.channel.close();
  }
}
