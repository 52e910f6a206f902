// @threadline/web: the dashboard server. The CLI mounts `runServe` as `threadline serve`.
export {
  runServe,
  type ServeDefaults,
  type ServeFlags,
  type ServeHandle,
  type ServeOptions,
} from './serve.js';
export { PathPolicy } from './server/paths.js';
export {
  createServer,
  DEFAULT_LIMITS,
  DEFAULT_PORT,
  type ServerLimits,
  type ServerOptions,
  type WebServer,
} from './server/server.js';
