// How the CLI's commands reach jobs: the engine on the data directory (their
// own, or the one another shell runs there: local.ts), a running server, or a
// BullMQ deployment. Flags
// say which; without one, the project's settings do. Each transport is
// loaded on use, so `threadline --help` opens nothing.
import { type Connect, type ConnectOptions, type EngineOptions, ValidationError } from '@threadline/core';
import { readDataDirToken, tokenPath } from '@threadline/trpc/token';
import { configured, itemLimits, type Project } from './config/project.js';
import { type HistoryConnection, openDataDir, readDataDir } from './local.js';

/**
 * `longLived`: the command keeps its engine open (tui, watch), so that engine runs the store's
 * schedules and resumes what the config asks. One that opens it for a moment (list, run) does
 * neither: what it started would be left interrupted when it closes.
 */
export function projectConnect(
  project: () => Promise<Project>,
  options: { longLived?: boolean } = {},
): Connect {
  return async (flags) => {
    const resolved = await project();
    return open(withSettings(flags, resolved), resolved, options.longLived === true);
  };
}

/** How `list` and `show` reach the history: as every command does, but a data directory is only read. */
export type HistoryConnect = (options: ConnectOptions) => Promise<HistoryConnection>;

export function projectHistory(project: () => Promise<Project>): HistoryConnect {
  return async (flags) => {
    const resolved = await project();
    const options = withSettings(flags, resolved);
    if (options.server || options.redis) return open(options, resolved, false);
    return readDataDir({ ...engineOptions(options, resolved, false), poolSize: 1 });
  };
}

/** Fills what the flags leave open from the project; a flag naming a transport wins over the config's. */
function withSettings(flags: ConnectOptions, project: Project): ConnectOptions {
  const { settings } = project;
  const setting = settings.token.value === false ? undefined : settings.token.value;
  const token = flags.token ?? setting;
  const chosen = flags.dataDir !== undefined || flags.server !== undefined || flags.redis !== undefined;
  const transport: ConnectOptions = chosen
    ? flags
    : settings.server.value
      ? { server: settings.server.value }
      : settings.redis.value
        ? { redis: settings.redis.value }
        : { dataDir: settings.dataDir.value };
  const poolSize = flags.poolSize ?? configured(settings.poolSize);
  const graceMs = flags.graceMs ?? configured(settings.graceMs);
  return {
    ...transport,
    ...(token ? { token } : {}),
    ...(poolSize ? { poolSize } : {}),
    ...(graceMs !== undefined ? { graceMs } : {}),
  };
}

async function open(options: ConnectOptions, project: Project, longLived: boolean) {
  if (options.server && options.redis) throw new ValidationError('give --server or --redis, not both');
  if (options.server) {
    const { createTrpcClient } = await import('@threadline/trpc');
    const { server, token } = serverToken({ ...options, server: options.server }, project);
    const url = `${server.replace(/\/+$/, '').replace(/\/trpc$/, '')}/trpc`;
    const client = createTrpcClient(url, token.value ? { token: token.value } : {});
    // A quick call, so an unreachable server is a clear message now rather than a hang later.
    await client.definitions().catch((error: unknown) => {
      void client.close();
      const refused = (error as { remoteCode?: string }).remoteCode === 'UNAUTHORIZED';
      throw new ValidationError(
        refused
          ? `the server at ${server} refused ${token.value ? `the token (${token.from})` : `without a token: none in ${token.from}`}: give its token with --token-file <file> or THREADLINE_TOKEN`
          : `cannot reach the server at ${server}: ${(error as Error).message}`,
      );
    });
    return { client, local: false, close: () => client.close() };
  }
  if (options.redis) {
    const { createBullmqClient } = await import('@threadline/bullmq');
    const client = await createBullmqClient({
      connection: options.redis,
      registry: project.registry,
      retention: project.retention,
    });
    return { client, local: false, close: () => client.close() };
  }
  return openDataDir(engineOptions(options, project, longLived));
}

/** The options of an engine a command opens on the data directory. */
function engineOptions(options: ConnectOptions, project: Project, longLived: boolean): EngineOptions {
  return {
    registry: project.registry,
    cwd: process.cwd(),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.poolSize ? { poolSize: options.poolSize } : {}),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
    ...itemLimits(project.settings),
    ...(configured(project.settings.drainMs) !== undefined
      ? { drainMs: project.settings.drainMs.value }
      : {}),
    ...(longLived && project.settings.resumeInterrupted.value ? { resumeInterrupted: true } : {}),
    ...(longLived ? {} : { runSchedules: false }),
  };
}

/**
 * The token for `--server`: given (flag, environment, config), else in the URL (the one
 * `threadline serve` printed), else the data directory's, which `serve` made there: the local
 * user's own commands, the TUI and the watcher need none on their command line.
 */
function serverToken(
  options: ConnectOptions & { server: string },
  project: Project,
): { server: string; token: { value: string | undefined; from: string } } {
  let server = options.server;
  let inUrl: string | null = null;
  try {
    const url = new URL(server);
    inUrl = url.searchParams.get('token');
    url.search = '';
    server = url.href;
  } catch {
    // Not a URL: the client says so.
  }
  if (options.token) return { server, token: { value: options.token, from: 'as given' } };
  if (inUrl) return { server, token: { value: inUrl, from: "the URL's" } };
  const dataDir = options.dataDir ?? project.settings.dataDir.value;
  return { server, token: { value: readDataDirToken(dataDir), from: tokenPath(dataDir) } };
}

/** Parses a positive integer option, naming it when it is not one. */
export function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new ValidationError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}
