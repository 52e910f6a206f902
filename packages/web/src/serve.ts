// `threadline serve`: an engine on the data directory (or a BullMQ deployment
// with --redis), and the web server over it. The CLI mounts this with the
// project's jobs and settings.
import { parseArgs } from 'node:util';
import {
  type Connect,
  createEngine,
  type Engine,
  type EngineOptions,
  type JobRegistry,
  resolveDataDir,
  type ShutdownOptions,
  type ShutdownReport,
  ValidationError,
} from '@threadline/core';
import { createServer, DEFAULT_PORT, type ServerLimits, type WebServer } from './server/server.js';

export const SERVE_USAGE = `Usage: threadline serve [options]

Serve the dashboard and the tRPC API.

Options:
  --port <port>       port to listen on (default the config's port or ${DEFAULT_PORT}; 0 picks a free one)
  --host <host>       address to bind (default 127.0.0.1; any other needs a token)
  --data-dir <dir>    where jobs and events are kept (default THREADLINE_DATA_DIR, the config's
                      dataDir, or the user data folder)
  --allow <dir>       a folder job inputs may name; repeat for more (default the config's allow,
                      else the config's folder, else the current directory)
  --token <token>     require this token (generated when binding off loopback)
  --pool-size <n>     worker threads (default: one per core)
  --redis <url>       serve the jobs of a BullMQ deployment (run items with \`threadline worker\`)
  -h, --help          show this help`;

export interface ServeOptions {
  /** Job names → module URLs (the CLI gives the project's jobs); default none. */
  registry?: JobRegistry;
  /** Where the URL and notices go; default console.log. */
  log?: (line: string) => void;
  /** Stop on SIGINT/SIGTERM; default true. */
  handleSignals?: boolean;
  /** How to reach a deployment for --redis (the CLI gives its own). */
  connect?: Connect;
  /** What a missing flag stands for (the CLI gives the project's settings). */
  defaults?: ServeDefaults;
  /** Opens the engine on the data directory; default createEngine (the CLI's also shares it with other shells). */
  openEngine?: (
    options: EngineOptions & { dataDir: string },
  ) => Promise<{ engine: Engine; close(options?: ShutdownOptions): Promise<ShutdownReport> }>;
}

export interface ServeDefaults {
  port?: number;
  host?: string;
  allow?: string[];
  token?: string;
  dataDir?: string;
  poolSize?: number;
  graceMs?: number;
  drainMs?: number;
  redis?: string;
  limits?: ServerLimits;
}

export interface ServeHandle {
  server: WebServer;
  close(): Promise<void>;
}

/** Runs `threadline serve` with its arguments (without "serve"); resolves once the server listens. */
export async function runServe(argv: string[], options: ServeOptions = {}): Promise<ServeHandle | undefined> {
  const log = options.log ?? ((line: string) => console.log(line));
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      allow: { type: 'string', multiple: true },
      token: { type: 'string' },
      'pool-size': { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    log(SERVE_USAGE);
    return undefined;
  }
  const defaults = options.defaults ?? {};
  const port = values.port === undefined ? (defaults.port ?? DEFAULT_PORT) : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ValidationError(`--port must be a port number (0 for any free one), got "${values.port}"`);
  const poolSize = values['pool-size'] === undefined ? defaults.poolSize : Number(values['pool-size']);
  if (poolSize !== undefined && (!Number.isInteger(poolSize) || poolSize < 1)) {
    throw new ValidationError(`--pool-size must be a positive integer, got "${values['pool-size']}"`);
  }

  const redis = values.redis ?? (values['data-dir'] === undefined ? defaults.redis : undefined);
  const backend = await openBackend(redis, options, {
    dataDir: resolveDataDir(values['data-dir'] ?? defaults.dataDir),
    registry: options.registry ?? {},
    ...(poolSize !== undefined ? { poolSize } : {}),
    ...(defaults.graceMs !== undefined ? { graceMs: defaults.graceMs } : {}),
    ...(defaults.drainMs !== undefined ? { drainMs: defaults.drainMs } : {}),
  });
  const host = values.host ?? defaults.host;
  const allow = values.allow ?? defaults.allow;
  const token = values.token ?? defaults.token;
  let server: WebServer;
  try {
    server = await createServer({
      client: backend.client,
      port,
      ...(host !== undefined ? { host } : {}),
      ...(allow !== undefined ? { allow } : {}),
      ...(token !== undefined ? { token } : {}),
      ...(defaults.limits ? { limits: defaults.limits } : {}),
    });
  } catch (error) {
    await backend.close();
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new ValidationError(
        `port ${port} is in use: pick another with --port, or --port 0 for a free one`,
      );
    }
    throw error;
  }

  log(`Threadline is serving ${server.url}`);
  log(`  jobs: ${backend.where}`);
  log(`  job inputs may name files in: ${server.allowed.join(', ')}`);

  let closing: Promise<void> | undefined;
  // The page stays up while running items finish, so it shows how each job ended.
  const close = () => {
    closing ??= (async () => {
      const report = await backend.close({
        reason: 'server stopped',
        onDrain: (running) => {
          if (running.length === 0) return;
          const ids = running.map((job) => job.id).join(', ');
          log(
            `stopping: letting ${plural(running.length, 'running job')} finish (${ids}); again to stop at once`,
          );
        },
      });
      await server.close();
      if (report) logShutdown(report, log);
    })();
    return closing;
  };
  let signals = 0;
  const onSignal = () => {
    if (++signals === 1) {
      void close().then(() => process.exit(0));
      return;
    }
    log('stopping at once');
    void backend.close({ drainMs: 0 });
  };
  if (options.handleSignals ?? true) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  return { server, close };
}

const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

function logShutdown(report: ShutdownReport, log: (line: string) => void): void {
  const parts = [];
  if (report.drained.length) parts.push(`${plural(report.drained.length, 'job')} finished`);
  if (report.interrupted.length)
    parts.push(
      `${plural(report.interrupted.length, 'job')} interrupted (${report.interrupted.join(', ')}): threadline resume <id> picks each up`,
    );
  log(parts.length ? `stopped: ${parts.join('; ')}` : 'stopped');
}

/** The engine on the data directory, or a BullMQ deployment's client. */
async function openBackend(
  redis: string | undefined,
  options: ServeOptions,
  engineOptions: EngineOptions & { dataDir: string },
) {
  if (redis) {
    if (!options.connect)
      throw new ValidationError('--redis needs the threadline CLI (threadline serve --redis URL)');
    const connection = await options.connect({ redis });
    return {
      client: connection.client,
      where: `BullMQ at ${redis}`,
      close: async (_?: ShutdownOptions): Promise<ShutdownReport | undefined> => {
        await connection.close();
        return undefined;
      },
    };
  }
  const open =
    options.openEngine ??
    (async (opts: EngineOptions) => {
      const engine = await createEngine(opts);
      return { engine, close: (shutdown?: ShutdownOptions) => engine.shutdown(shutdown) };
    });
  const { engine, close } = await open(engineOptions);
  return { client: engine, where: `data in ${engine.dataDir}`, close };
}
