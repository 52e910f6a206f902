// @threadline/trpc: the tRPC router over a JobClient, and a JobClient over tRPC.
export { createTrpcClient, type TrpcClientOptions } from './client.js';
export { type ErrorData, RemoteError, toTRPCError } from './errors.js';
export { type ApiHandler, type ApiHandlerOptions, createApiHandler } from './handler.js';
export { type AppRouter, createAppRouter, type RouterOptions } from './router.js';
export { type SocketServer, serveOnSocket } from './socket/serve.js';
export {
  createEventStream,
  DEFAULT_STREAM_LIMITS,
  type EventStream,
  type StreamLimits,
} from './sse/stream.js';
export { dataDirToken, newToken, readDataDirToken, readTokenFile, TOKEN_FILE, tokenPath } from './token.js';
