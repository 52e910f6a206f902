// The worker thread: runs batches of one job's items, writing progress into
// its cell in shared memory. Imports nothing the engine needs (no store, no pool).
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { trackTempFiles } from '../job/atomic.js';
import { loadJob } from '../job/load.js';
import { CellWriter } from '../progress/cell-writer.js';
import { cellViews } from '../progress/layout.js';
import { CancelledError, type ErrorInfo, ItemTimeoutError, toErrorInfo } from '../protocol/errors.js';
import { takeBatch } from './batch-channel.js';
import { ItemContext } from './item-context.js';
import type {
  BatchMessage,
  BatchReply,
  ItemResult,
  TempFileMessage,
  WorkerApi,
  WorkerInit,
} from './messages.js';
import { Outcomes } from './outcomes.js';
import { TempJournal } from './temp-journal.js';

if (!parentPort) throw new Error('threadline worker must run in a worker thread');
const port = parentPort;
const init = workerData as WorkerInit;
const cell = cellViews(init.cells, init.slot);
const writer = new CellWriter(cell);
let controller: AbortController | undefined;
const tell = (message: TempFileMessage) => port.postMessage(message);
const journal = init.tempJournal && new TempJournal(init.tempJournal.file);
trackTempFiles({
  ...(init.tempJournal ? { owner: init.tempJournal.owner } : {}),
  add: (path) => {
    // On disk before the file exists: a kill -9 a moment later still leaves it listed.
    journal?.add(path);
    tell({ threadlineTemp: { add: path } });
  },
  remove: (path) => {
    journal?.remove(path);
    tell({ threadlineTemp: { remove: path } });
  },
});

function isCancellation(error: unknown, signal: AbortSignal): boolean {
  if (error instanceof CancelledError) return true;
  return signal.aborted && error instanceof Error && (error.name === 'AbortError' || error === signal.reason);
}

async function runBatch(request: BatchMessage): Promise<BatchReply> {
  const definition = await loadJob(request.moduleUrl);
  const abort = new AbortController();
  controller = abort;
  const at = request.indexes ?? 0;
  const timeoutMs = request.itemTimeoutMs;
  // With a timeout, each item has its own signal too; without, the batch's one (no cost per item).
  // On the batch port, not parentPort: two ports keep no order between them, so a log sent on the
  // other could arrive after the batch's reply, when its job may have finished (and drops it).
  const ctx = new ItemContext(request.jobId, request.attempt ?? 1, abort.signal, writer, (log) =>
    init.batches.postMessage(log),
  );
  writer.beginBatch();
  const { items, input, mode, counted } = request;
  // Counted, a batch whose items all succeed (results unkept) replies with a count: see outcomes.ts.
  const results = new Outcomes(counted);
  for (let i = 0; i < items.length; i++) {
    if (writer.isCancelled()) {
      results.add({ outcome: 'cancelled', ms: 0 });
      continue;
    }
    ctx.index = typeof at === 'number' ? at + i : at[i]!;
    ctx.logItem = ctx.index;
    writer.beginItem(i, timeoutMs !== undefined);
    const started = performance.now();
    const timer = timeoutMs === undefined ? undefined : itemTimer(i, timeoutMs, abort.signal);
    if (timer) ctx.signal = timer.signal;
    try {
      const pending =
        mode === 'run' ? definition.run!(input, ctx) : definition.process!(items[i], ctx, input);
      // Tiny synchronous items skip the microtask an await would cost.
      const result = pending instanceof Promise ? await pending : pending;
      // Past its timeout, an item failed even if it ended well: its time was up (and it was told).
      if (timeoutMs !== undefined && writer.timedOut(i))
        results.add({ outcome: 'failed', error: timedOut(timeoutMs), ms: performance.now() - started });
      else results.succeeded(result, performance.now() - started);
    } catch (error) {
      const ms = performance.now() - started;
      if (timeoutMs !== undefined && writer.timedOut(i))
        results.add({ outcome: 'failed', error: timedOut(timeoutMs), ms });
      else if (isCancellation(error, abort.signal) || writer.isCancelled())
        results.add({ outcome: 'cancelled', ms });
      else results.add({ outcome: 'failed', error: toErrorInfo(error), ms });
    }
    timer?.clear();
    ctx.signal = abort.signal;
    writer.endItem(i + 1);
  }
  ctx.logItem = null;
  controller = undefined;
  return results.reply();
}

/**
 * An item's own timer, for an item that awaits: at its timeout it marks the item timed out (for
 * throwIfCancelled) and aborts the item's signal. A CPU loop that never yields never lets this
 * fire: the engine's slot marks it from the main thread, and terminates the thread past the grace.
 */
function itemTimer(index: number, timeoutMs: number, batch: AbortSignal) {
  const item = new AbortController();
  const timer = setTimeout(() => {
    writer.markTimedOut(index);
    if (writer.timedOut(index)) item.abort(new ItemTimeoutError(timeoutMs));
  }, timeoutMs);
  return {
    signal: AbortSignal.any([batch, item.signal]),
    clear: () => clearTimeout(timer),
  };
}

function timedOut(timeoutMs: number): ErrorInfo {
  const { stack: _stack, ...info } = toErrorInfo(new ItemTimeoutError(timeoutMs));
  return info;
}

function reply(message: BatchReply): void {
  try {
    init.batches.postMessage(message);
  } catch (error) {
    // A result that cannot be cloned (a function, a socket) fails its own item, not its batch
    // (one such result failed 1,194 items) and not the worker: each is tried on its own.
    if (!('results' in message)) {
      init.batches.postMessage({ error: toErrorInfo(error) } satisfies BatchReply);
      return;
    }
    init.batches.postMessage({ results: message.results.map(sendable) } satisfies BatchReply);
  }
}

/** The item's result as sent, or the item failed for a result that cannot be. */
function sendable(result: ItemResult): ItemResult {
  if (result.outcome !== 'succeeded') return result;
  try {
    structuredClone(result.result);
    return result;
  } catch (error) {
    const reason = toErrorInfo(error);
    return {
      outcome: 'failed',
      error: { ...reason, message: `its result cannot be sent to the engine: ${reason.message}` },
      ms: result.ms,
    };
  }
}

/** Serves batches until none arrives within the idle wait; the next one then comes through the event loop. */
async function serve(first: BatchMessage): Promise<void> {
  for (let request: BatchMessage | undefined = first; request; request = takeBatch(init.batches, cell)) {
    try {
      reply(await runBatch(request));
    } catch (error) {
      reply({ error: toErrorInfo(error) });
    }
  }
}

init.batches.on('message', (request: BatchMessage) => void serve(request));

const api: WorkerApi = {
  cancel(): void {
    controller?.abort(new CancelledError());
  },
};

Comlink.expose(api, nodeEndpoint(port));
