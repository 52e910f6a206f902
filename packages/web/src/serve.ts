// `threadline serve`: an engine on the data directory (or a BullMQ deployment
// with --redis), and the web server over it. The CLI mounts this with the
// project's jobs and settings.
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
import { dataDirToken, readTokenFile } from '@threadline/trpc/token';
import { createServer, DEFAULT_PORT, type ServerLimits, type WebServer } from './server/server.js';

/**
 * What `threadline serve` was told, parsed (the CLI parses its flags with every command's); each
 * one left out falls back to `ServeOptions.defaults`.
 */
export interface ServeFlags {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  dataDir?: string;
  /** Folders job inputs may name. */
  allow?: string[];
  /** The token to require; at most one of token, tokenFile and noToken. */
  token?: string;
  /** The file holding the token to require. */
  tokenFile?: string;
  /** Require no token (loopback only). */
  noToken?: boolean;
  poolSize?: number;
  /** Serve the jobs of the BullMQ deployment at this URL. */
  redis?: string;
}

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
  /** The token, or false for none; default the data directory's. */
  token?: string | false;
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

/** Runs `threadline serve` as told; resolves once the server listens. */
export async function runServe(flags: ServeFlags, options: ServeOptions = {}): Promise<ServeHandle> {
  const log = options.log ?? ((line: string) => console.log(line));
  const defaults = options.defaults ?? {};
  const port = flags.port ?? defaults.port ?? DEFAULT_PORT;
  const poolSize = flags.poolSize ?? defaults.poolSize;

  const redis = flags.redis ?? (flags.dataDir === undefined ? defaults.redis : undefined);
  const dataDir = resolveDataDir(flags.dataDir ?? defaults.dataDir);
  const host = flags.host ?? defaults.host;
  const backend = await openBackend(redis, options, {
    dataDir,
    registry: options.registry ?? {},
    ...(poolSize !== undefined ? { poolSize } : {}),
    ...(defaults.graceMs !== undefined ? { graceMs: defaults.graceMs } : {}),
    ...(defaults.drainMs !== undefined ? { drainMs: defaults.drainMs } : {}),
  });
  const allow = flags.allow ?? defaults.allow;
  let server: WebServer;
  try {
    const token = chooseToken(flags, defaults.token, dataDir);
    server = await createServer({
      client: backend.client,
      port,
      ...(host !== undefined ? { host } : {}),
      ...(allow !== undefined ? { allow } : {}),
      token,
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
  if (server.token === undefined)
    log('  no token (unsafe): every user of this machine can run jobs here as you');
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

/**
 * The token the server requires: a flag, else the CLI's setting (environment or config), else
 * the data directory's, made once. On the command line it would show in `ps`, so a file is the way
 * to give one; `--no-token` (or `token: false`) turns it off.
 */
function chooseToken(
  flags: Pick<ServeFlags, 'token' | 'tokenFile' | 'noToken'>,
  fallback: string | false | undefined,
  dataDir: string,
): string | false {
  const given = [flags.token !== undefined, flags.tokenFile !== undefined, flags.noToken === true];
  if (given.filter(Boolean).length > 1)
    throw new ValidationError('give one of --token, --token-file and --no-token');
  if (flags.noToken) return false;
  if (flags.token !== undefined) {
    if (!flags.token) throw new ValidationError('--token needs a value');
    return flags.token;
  }
  if (flags.tokenFile !== undefined) {
    try {
      return readTokenFile(flags.tokenFile);
    } catch (error) {
      throw new ValidationError(`--token-file: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  return fallback ?? dataDirToken(dataDir);
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
