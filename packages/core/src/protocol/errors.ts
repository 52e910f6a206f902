// One error class per thing that can go wrong, each with a stable `code`.
// Edges map them once: to a tRPC code in the router, to an exit code in the CLI.

export class ThreadlineError extends Error {
  readonly code: string = 'INTERNAL';
  override name = 'ThreadlineError';
}

/** The user's input is wrong; `issues` name the fields. */
export class ValidationError extends ThreadlineError {
  override readonly code = 'VALIDATION';
  override name = 'ValidationError';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends ThreadlineError {
  override readonly code = 'NOT_FOUND';
  override name = 'NotFoundError';
}

export class CancelledError extends ThreadlineError {
  override readonly code = 'CANCELLED';
  override name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

export class WorkerCrashedError extends ThreadlineError {
  override readonly code = 'WORKER_CRASHED';
  override name = 'WorkerCrashedError';
}

/** An item ran past its job's itemTimeoutMs: it was cancelled, and its thread terminated if it did not stop. */
export class ItemTimeoutError extends ThreadlineError {
  override readonly code = 'ITEM_TIMEOUT';
  override name = 'ItemTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/** A job module that cannot be loaded or is not a job definition. */
export class JobLoadError extends ThreadlineError {
  override readonly code = 'JOB_LOAD';
  override name = 'JobLoadError';
}

/** The store cannot be used as it is: its folder is read-only, its disk full, or its file corrupt. */
export class StorageError extends ThreadlineError {
  override readonly code = 'STORAGE';
  override name = 'StorageError';
  constructor(
    message: string,
    readonly reason: 'read-only' | 'full' | 'corrupt' | 'unavailable',
  ) {
    super(message);
  }
}

/** The plain, cloneable form of an error, as stored and sent over the wire. */
export interface ErrorInfo {
  message: string;
  code?: string;
  stack?: string;
}

export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      message: error.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { message: String(error) };
}
