// The one place where Threadline's error classes meet tRPC's codes: the router
// maps a thrown error to a TRPCError, and the client maps it back, so a caller
// of the tRPC JobClient catches the same classes as a caller of the engine.
import { NotFoundError, ThreadlineError, ValidationError } from '@threadline/core';
import { TRPCClientError } from '@trpc/client';
import { TRPCError } from '@trpc/server';

type TRPCCode = TRPCError['code'];

/** Threadline error code → tRPC code; anything else is an internal error. */
const CODES: Record<string, TRPCCode> = {
  VALIDATION: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  CANCELLED: 'CONFLICT',
  JOB_LOAD: 'INTERNAL_SERVER_ERROR',
};

const threadlineCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' ? code : undefined;
};

/** Maps an error thrown by a JobClient to the TRPCError a procedure throws. */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) {
    // tRPC wraps errors of input parsers and resolvers; map the cause instead.
    if (error.code !== 'INTERNAL_SERVER_ERROR' || !(error.cause instanceof ThreadlineError)) return error;
    return toTRPCError(error.cause);
  }
  const code = threadlineCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const mapped = code === undefined ? undefined : CODES[code];
  return new TRPCError({ code: mapped ?? 'INTERNAL_SERVER_ERROR', message, cause: error });
}

/** What the router adds to every error's `data`: the field issues and the Threadline code. */
export interface ErrorData {
  issues?: { path: string; message: string }[];
  threadlineCode?: string;
}

export function errorData(error: TRPCError): ErrorData {
  const cause = error.cause;
  const data: ErrorData = {};
  if (cause instanceof ValidationError) data.issues = cause.issues;
  const code = threadlineCode(cause);
  if (code && cause instanceof ThreadlineError) data.threadlineCode = code;
  return data;
}

/** Maps an error from the tRPC client back to the Threadline class the engine would have thrown. */
export function fromClientError(error: unknown): Error {
  if (!(error instanceof TRPCClientError)) return error instanceof Error ? error : new Error(String(error));
  const data = (error.data ?? {}) as { code?: string } & ErrorData;
  if (data.code === 'BAD_REQUEST') return new ValidationError(error.message, data.issues ?? []);
  if (data.code === 'NOT_FOUND') return new NotFoundError(error.message);
  return new RemoteError(error.message, data.threadlineCode ?? data.code ?? 'INTERNAL');
}

/** An error the server reported that has no class of its own on this side. */
export class RemoteError extends ThreadlineError {
  override name = 'RemoteError';
  constructor(
    message: string,
    readonly remoteCode: string,
  ) {
    super(message);
  }
}

/** Whether a client error means the request itself was refused, so retrying it cannot help. */
export function isRefusal(error: unknown): boolean {
  if (!(error instanceof TRPCClientError)) return false;
  const code = (error.data as { code?: string } | undefined)?.code;
  return (
    code !== undefined &&
    ['BAD_REQUEST', 'NOT_FOUND', 'UNAUTHORIZED', 'FORBIDDEN', 'PARSE_ERROR'].includes(code)
  );
}
