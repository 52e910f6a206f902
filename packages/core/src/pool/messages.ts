// What crosses between the engine and a worker thread. Plain, cloneable data only.
import type { MessagePort } from 'node:worker_threads';
import type { ErrorInfo } from '../protocol/errors.js';
import type { ItemOutcome } from '../protocol/types.js';

export interface WorkerInit {
  cells: SharedArrayBuffer;
  slot: number;
  /** Where batches arrive, and their logs and replies go (see batch-channel.ts). */
  batches: MessagePort;
  /** The thread's journal of temporary files, and the owner token their names start with (temp-journal.ts). */
  tempJournal?: { file: string; owner: string };
}

export interface BatchRequest {
  jobId: string;
  moduleUrl: string;
  input: unknown;
  /** `run` calls the definition's run(input) once; `process` calls process(item) per item. */
  mode: 'process' | 'run';
  items: unknown[];
  /**
   * The items' positions in the job (ctx.index): the first's when they are consecutive, the usual
   * case, one number however many there are; each one's only when they are not (a resume skipped
   * the items that succeeded before, a rerun put some back). Absent: from 0 (a run's one call).
   * Fill it with batchIndexes().
   */
  indexes?: number | number[];
  /** An item running longer is cancelled, and its thread terminated if it does not stop within the grace. */
  itemTimeoutMs?: number;
  /** Which delivery of these items this is (ctx.attempt): 1, unless they may have run before. */
  attempt?: number;
}

/** A batch as it crosses to the worker. */
export interface BatchMessage extends BatchRequest {
  /**
   * Nobody keeps what this batch's succeeded items return (a job without summarize): the worker
   * leaves their results out, and a batch whose every item succeeded replies with a count.
   */
  counted: boolean;
}

export interface ItemResult {
  outcome: ItemOutcome;
  result?: unknown;
  error?: ErrorInfo;
  ms: number;
}

/**
 * A worker's answer to a batch: every item's result; for a counted batch whose items all succeeded,
 * how many and their time in all; or why the batch could not run (its module did not load).
 */
export type BatchReply = { results: ItemResult[] } | { succeeded: number; ms: number } | { error: ErrorInfo };

/** The worker's control API, called through Comlink. */
export interface WorkerApi {
  /** Aborts the running batch's signal (the cancel flag in the cell is already set). */
  cancel(): void;
}

/**
 * A line of `ctx.log`, sent by the worker on the batch port ahead of the batch's reply, so the
 * engine has every log of a batch before the batch settles (and perhaps finishes its job).
 */
export interface LogMessage {
  threadlineLog: {
    jobId: string;
    level: 'debug' | 'info' | 'warn' | 'error';
    message: string;
    /** The logging item's position in the job (ctx.index); null outside an item. */
    item: number | null;
  };
}

/** A temporary output file the worker created (`add`) or renamed or removed (`remove`), sent on its port beside Comlink's traffic (Comlink ignores messages without an id). */
export interface TempFileMessage {
  threadlineTemp: { add?: string; remove?: string };
}
