// What a project's `threadline.config.ts` default-exports. Every command reads
// it; a flag or an environment variable overrides what it sets.
import type { RetentionOptions } from '@threadline/bullmq';

/** One glob → job rule of a watched folder: the first rule whose glob matches a file's name takes it. */
export interface WatchRuleConfig {
  /** Glob over the file's name, case-insensitive; default `*`. */
  match?: string;
  job: string;
  /** The job's input; `{{file}}`, `{{dir}}`, `{{out}}`, `{{name}}`, `{{stem}}`, `{{ext}}` stand for the file. */
  input?: Record<string, unknown>;
  /** What becomes of the dropped file once its job succeeded. */
  source?: 'done' | 'originals' | 'delete';
}

export interface WatchFolderConfig {
  /** The watched folder, relative to the config file. */
  path: string;
  /** Where results go; default `<path>/done`. */
  out?: string;
  rules: WatchRuleConfig[];
  stableMs?: number;
  concurrency?: number;
}

export interface ThreadlineConfig {
  /** Job modules: paths or globs relative to the config file, e.g. `['./jobs/*.ts']`. */
  jobs?: string[];
  /** Also offer the built-in jobs (image.scale, files.index, …); default true. */
  builtins?: boolean;
  /** Where the history is kept (SQLite), relative to the config file; default the user data folder. */
  dataDir?: string;
  /** Folders a job's input may name when started from the dashboard; default the config file's folder. */
  allow?: string[];
  /** Worker threads; default one per core. */
  poolSize?: number;
  /** How long a cancelled item may ignore its signal before its thread is terminated (ms); default 2000. */
  graceMs?: number;
  /**
   * An item running longer than this (ms) is cancelled, its thread terminated after graceMs if it
   * goes on, and it fails with "timed out after N ms"; a job's own itemTimeoutMs wins; default none.
   */
  itemTimeoutMs?: number;
  /**
   * Each worker thread's heap limit (MB): past it, the item it ran fails ("worker ran out of
   * memory") and the thread is replaced; default half the machine's memory shared by the threads.
   */
  workerMemoryMb?: number;
  /**
   * How long stopping `serve`, `threadline worker` or a command that runs jobs on its own engine
   * (the TUI, `watch`) lets running items finish before it stops them (ms); default 10000. What
   * was left is recorded interrupted, for `threadline resume`.
   */
  drainMs?: number;
  /**
   * When `serve`, the TUI or `watch` opens the data directory, resume every interrupted job not
   * resumed yet (as `threadline resume` does); default false.
   */
  resumeInterrupted?: boolean;
  /** A BullMQ deployment's Redis: jobs run on `threadline worker`s. */
  redis?: string;
  /**
   * How much history that deployment keeps in Redis, for every client and worker the CLI opens
   * on it (give every machine the same); each has a default. The stream caps are at least 100.
   */
  retention?: RetentionOptions;
  /** A running `threadline serve` that commands attach to. */
  server?: string;
  /**
   * The server's token: what `serve` requires and what commands send to `server`. Default the
   * data directory's token file (made once, mode 0600). `false`: `serve` requires none, on
   * loopback only. Unsafe: every user of this machine can then run jobs as you.
   */
  token?: string | false;
  /** `threadline serve`'s port; default 7420. */
  port?: number;
  /** `threadline serve`'s address; default 127.0.0.1. */
  host?: string;
  /** What `threadline serve` lets a request ask for; each has a default. */
  limits?: {
    /** Calls in one tRPC batch; default 20. */
    maxBatchSize?: number;
    /** Time to receive a whole request; default 30000 ms. */
    requestTimeoutMs?: number;
    /** Event streams open at once; default 2048. */
    maxStreams?: number;
    /** The shortest `every` a request may start; default 1000 ms. */
    minEveryMs?: number;
    /** Bytes one event stream may hold unsent before it catches up from the history instead; default 65536. */
    streamBufferBytes?: number;
    /** Bytes all event streams together may hold unsent; default 33554432 (32 MiB). */
    totalStreamBufferBytes?: number;
  };
  /** Folders `threadline watch` watches, with their rules. */
  watch?: { stableMs?: number; concurrency?: number; folders: WatchFolderConfig[] };
}

/** Types a project's config: `export default defineConfig({ jobs: ['./jobs/*.ts'] })`. */
export function defineConfig(config: ThreadlineConfig): ThreadlineConfig {
  return config;
}
