// A fixed-size pool of worker threads, each in a slot (slot.ts) with its own
// progress cell in one SharedArrayBuffer, so the pool stays at full size.
import { availableParallelism, totalmem } from 'node:os';
import type { ResourceLimits } from 'node:worker_threads';
import { CELL_BYTES, cellViews } from '../progress/layout.js';
import type { LogMessage } from './messages.js';
import { Slot, type SlotListeners, type SlotSettings } from './slot.js';

export {
  type AllSucceeded,
  type BatchOutcome,
  Slot,
  type SlotListeners,
  type SlotSettings,
} from './slot.js';

export interface PoolOptions {
  size?: number;
  /** Each worker's; `maxOldGenerationSizeMb` defaults to defaultWorkerMemoryMb(size). */
  resourceLimits?: ResourceLimits;
  /** How long an item past its timeout may ignore the cancel before its thread is terminated; default 2000 ms. */
  graceMs?: number;
  /** Where threads journal their temporary files, and the token their names carry (see temp-journal.ts). */
  tempJournal?: { dir: string; owner: string };
  onLog?: (log: LogMessage['threadlineLog']) => void;
  /** A slot whose thread was replaced (terminated, crashed) is free again. */
  onAvailable?: () => void;
}

const MB = 1024 * 1024;

/**
 * A worker's default heap limit: half the machine's memory shared by the pool's threads, between
 * 256 MB and 4 GB. Every thread leaking at once then still leaves half the machine to the engine
 * and everything else (V8's own default is the main thread's, ~4 GB a thread: a leaking item grew
 * to 4.2 GB); an item that needs more gives the engine resourceLimits.
 */
export function defaultWorkerMemoryMb(size: number, machineBytes = totalmem()): number {
  return Math.min(4096, Math.max(256, Math.floor(machineBytes / MB / 2 / size)));
}

export class WorkerPool {
  readonly size: number;
  readonly cells: SharedArrayBuffer;
  readonly slots: Slot[];
  /** Every message from every worker, Comlink's included: progress must not add to it. */
  messagesReceived = 0;

  constructor(options: PoolOptions = {}) {
    this.size = Math.max(1, options.size ?? availableParallelism());
    this.cells = new SharedArrayBuffer(CELL_BYTES * this.size);
    const settings: SlotSettings = {
      cells: this.cells,
      resourceLimits: { maxOldGenerationSizeMb: defaultWorkerMemoryMb(this.size), ...options.resourceLimits },
      graceMs: options.graceMs ?? 2000,
      ...(options.tempJournal ? { tempJournal: options.tempJournal } : {}),
    };
    const listeners: SlotListeners = {
      onLog: (log) => options.onLog?.(log),
      onMessage: () => {
        this.messagesReceived++;
      },
      onAvailable: () => options.onAvailable?.(),
    };
    this.slots = Array.from(
      { length: this.size },
      (_, i) => new Slot(i, cellViews(this.cells, i), settings, listeners),
    );
  }

  idleSlot(): Slot | undefined {
    // A loop, not find(): the engine asks once per enumerated item, and a closure each time adds up.
    for (const slot of this.slots) if (slot.available) return slot;
    return undefined;
  }

  get busyCount(): number {
    return this.slots.filter((slot) => slot.busy).length;
  }

  /** Resolves when every slot's worker is online. */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.ready));
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.close()));
  }
}
