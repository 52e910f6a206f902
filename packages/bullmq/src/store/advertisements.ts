// Worker advertisements: each connected worker's record under a key its
// heartbeat keeps alive, and the set that lists them, so clients can say who
// is there without asking BullMQ (whose CLIENT LIST some managed Redis refuse).
import type { RedisClient } from '../connection.js';
import type { Keys } from './keys.js';

/** A connected worker as it advertises itself in Redis; refreshed by its heartbeat, gone once it closes or dies. */
export interface WorkerInfo {
  /** The worker's id (`<host>:<pid>:<random>`), as in BullmqWorker.id. */
  id: string;
  /** os.hostname() of its machine. */
  host: string;
  pid: number;
  /** Worker threads, and so items it runs at once. */
  threads: number;
  /** Names in its registry, sorted: the jobs it can run by name. */
  jobs: string[];
  /**
   * Items that ran to their end on its threads (succeeded or failed; not one terminated) since it
   * started, as in-process; as of its last heartbeat. Absent from an older version's record.
   */
  itemsDone?: number;
  /** When it started (ms since the epoch). */
  startedAt: number;
  /** Its last heartbeat (ms since the epoch). */
  seenAt: number;
}

export class Advertisements {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  /** Writes (or refreshes) a worker's advertisement, to expire unless refreshed within `ttlMs`. */
  async advertise(info: WorkerInfo, ttlMs: number): Promise<void> {
    await this.redis
      .multi()
      .set(this.keys.worker(info.id), JSON.stringify(info), 'PX', Math.max(1, Math.round(ttlMs)))
      .sadd(this.keys.workers, info.id)
      .exec();
  }

  /** Removes a worker's advertisement at once (it is closing). */
  async withdraw(workerId: string): Promise<void> {
    await this.redis.multi().del(this.keys.worker(workerId)).srem(this.keys.workers, workerId).exec();
  }

  /** The advertised workers, by host then id; ids whose record expired (a killed worker) are dropped. */
  async workers(): Promise<WorkerInfo[]> {
    const ids = await this.redis.smembers(this.keys.workers);
    if (ids.length === 0) return [];
    const records = await this.redis.mget(ids.map((id) => this.keys.worker(id)));
    const found: WorkerInfo[] = [];
    const gone: string[] = [];
    records.forEach((json, i) => {
      if (json === null) {
        gone.push(ids[i]!);
        return;
      }
      try {
        found.push(JSON.parse(json) as WorkerInfo);
      } catch {
        // Not ours to understand (another version's record): leave it to its own worker.
      }
    });
    // A record that expired between the two reads is re-added by its worker's next heartbeat, should it live.
    if (gone.length > 0) await this.redis.srem(this.keys.workers, ...gone);
    return found.sort((a, b) => a.host.localeCompare(b.host) || a.id.localeCompare(b.id));
  }
}
