// Runs the job scripts (./scripts.ts) on a deployment's Redis, each given the
// prelude's keys and arguments before its own, as its header lists them.
import { asRedisError, type RedisClient } from '../connection.js';
import type { Keys } from './keys.js';
import { SCRIPTS, type ScriptName } from './scripts.js';

export type Arg = string | number;
type ScriptFn = (...args: Arg[]) => Promise<unknown>;

export class ScriptRunner {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    /** Events one job's stream keeps, about (retention.maxJobEvents). */
    private readonly maxJobEvents: number,
    /** Entries the deployment's stream keeps, about (retention.maxEvents). */
    private readonly maxEvents: number,
  ) {
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      // defineCommand runs EVALSHA and falls back to EVAL, so a restarted Redis (empty script cache) is fine.
      if (!(`tl_${name}` in redis)) redis.defineCommand(`tl_${name}`, SCRIPTS[name]);
    }
  }

  /**
   * Runs a job script: the prelude's KEYS (the job's hash and stream, the global stream and its
   * counter) and ARGV (job id, stream caps) first, then the script's own, as its header lists them.
   */
  async run(name: ScriptName, jobId: string, own: string[], ...args: Arg[]): Promise<unknown> {
    const fn = (this.redis as unknown as Record<string, ScriptFn>)[`tl_${name}`]!;
    const k = this.keys;
    const all = [k.job(jobId), k.jobEvents(jobId), k.events, k.seq, ...own];
    if (all.length !== SCRIPTS[name].numberOfKeys)
      throw new Error(`script ${name} takes ${SCRIPTS[name].numberOfKeys} keys, given ${all.length}`);
    try {
      return await fn.call(this.redis, ...all, jobId, this.maxJobEvents, this.maxEvents, ...args);
    } catch (error) {
      throw asRedisError(error);
    }
  }
}
