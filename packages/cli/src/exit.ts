// The CLI's one edge for errors: a user's mistake is one line and exit 2,
// anything else is a bug and keeps its stack.
import { ThreadlineError } from '@threadline/core';

/** 3: a job that ran to its end with some items failed, neither a success (0) nor a failure (1). */
export const EXIT = { ok: 0, failed: 1, usage: 2, partial: 3, cancelled: 130 } as const;

/** Thrown for bad command-line usage. */
export class UsageError extends ThreadlineError {
  override readonly code = 'USAGE';
  override name = 'UsageError';
}

export function reportError(error: unknown, command: string | undefined): number {
  const parseError = (error as { code?: unknown })?.code;
  if (typeof parseError === 'string' && parseError.startsWith('ERR_PARSE_ARGS')) {
    console.error(
      `threadline: ${(error as Error).message}\nSee: threadline ${command ?? ''} --help`.trimEnd(),
    );
    return EXIT.usage;
  }
  if (error instanceof ThreadlineError && error.code !== 'INTERNAL' && error.code !== 'WORKER_CRASHED') {
    console.error(`threadline: ${error.message}`);
    return EXIT.usage;
  }
  // The server or the owning engine failed the call (or went away under it): its message is the
  // news, and a stack of this side's client code would tell nothing more.
  if (error instanceof ThreadlineError && error.name === 'RemoteError') {
    console.error(`threadline: ${error.message}`);
    return EXIT.failed;
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT.failed;
}
