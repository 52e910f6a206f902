// One data directory, many shells: the engine that owns a data directory
// serves its API on `engine.sock` inside it, and every other command on that
// directory attaches to it instead of being refused. Only when no engine
// answers there does a command open the store itself.
import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Connection,
  DataDirBusyError,
  type Engine,
  type EngineOptions,
  type JobClient,
  resolveDataDir,
  type ShutdownOptions,
  type ShutdownReport,
} from '@threadline/core';
import type { HistoryReader } from '@threadline/core/internal';

export const SOCKET_NAME = 'engine.sock';

/** How long a command that lost the race for a free data directory waits for the winner's socket. */
const ATTACH_WAIT_MS = 5000;

/** The engine's client over the data directory's socket, if an engine answers there. */
async function attach(dataDir: string): Promise<JobClient | undefined> {
  const socketPath = join(dataDir, SOCKET_NAME);
  if (!existsSync(socketPath)) return undefined;
  const { createTrpcClient } = await import('@threadline/trpc');
  const client = createTrpcClient('http://localhost/trpc', { socketPath });
  try {
    await client.definitions();
    return client;
  } catch {
    // A socket nobody listens on: its engine was killed. Opening the store takes the directory over.
    await client.close();
    return undefined;
  }
}

/** An engine of its own on the data directory, serving the socket; or the owner's, attached. */
export async function openDataDir(
  options: EngineOptions,
  notice: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<Connection> {
  const dataDir = resolveDataDir(options.dataDir);
  const attachedTo = (client: JobClient): Connection => {
    notice(`threadline: attached to the engine already running on ${dataDir}`);
    return { client, local: false, close: () => client.close() };
  };
  const attached = await attach(dataDir);
  if (attached) return attachedTo(attached);
  let owned: OwnedDataDir;
  try {
    owned = await ownDataDir({ ...options, dataDir });
  } catch (error) {
    if (!(error instanceof DataDirBusyError)) throw error;
    // Another command took the directory a moment ago: its socket follows.
    for (const deadline = Date.now() + ATTACH_WAIT_MS; Date.now() < deadline; await sleep(100)) {
      const late = await attach(dataDir);
      if (late) return attachedTo(late);
    }
    throw error;
  }
  return { client: owned.engine, local: true, close: async () => void (await owned.close()) };
}

/** A way to read the history, and to let go of it. */
export interface HistoryConnection {
  client: HistoryReader;
  close(): Promise<void>;
}

/**
 * The data directory's history for `list` and `show`: the owning engine's, attached; where the
 * directory can be written, an engine of its own, since opening the store is what records the
 * jobs a killed engine left running as interrupted (a reader alone would list them running for
 * ever); else, and when there is no store yet, the store read-only, with no engine and no lock,
 * so a read-only disk or another user's directory still shows its history and is left as it was.
 */
export async function readDataDir(
  options: EngineOptions,
  notice: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<HistoryConnection> {
  const dir = resolveDataDir(options.dataDir);
  const attached = await attach(dir);
  if (attached) {
    notice(`threadline: attached to the engine already running on ${dir}`);
    return { client: attached, close: () => attached.close() };
  }
  const store = join(dir, STORE_FILE);
  if (existsSync(store) && writable(dir) && writable(store)) {
    return openDataDir({ ...options, dataDir: dir }, notice);
  }
  const { StoredHistory } = await import('@threadline/core/internal');
  const history = StoredHistory.open(dir);
  // An engine that owned the directory would have recorded these interrupted as it opened.
  const left = await history.list({ state: ['queued', 'running', 'cancelling'], limit: 1000 });
  if (left.length > 0) {
    const jobs = left.map((job) => `${job.id} (${job.state})`).join(', ');
    notice(
      `threadline: ${dir} cannot be written, so its history is shown as recorded: no engine answers there, yet ${jobs} ${left.length === 1 ? 'is' : 'are'} not finished`,
    );
  }
  return { client: history, close: () => history.close() };
}

const STORE_FILE = 'threadline.db';

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface OwnedDataDir {
  engine: Engine;
  /** Stops sharing the directory, then shuts the engine down (gracefully: see ShutdownOptions). */
  close(options?: ShutdownOptions): Promise<ShutdownReport>;
}

/** Opens the store (taking the directory's lock) and serves it on the socket for other shells. */
export async function ownDataDir(options: EngineOptions & { dataDir: string }): Promise<OwnedDataDir> {
  const { createEngine } = await import('@threadline/core');
  const { serveOnSocket } = await import('@threadline/trpc');
  const engine = await createEngine(options);
  // A socket path past the system's limit (~107 bytes) cannot be bound: the engine still runs, unshared.
  const socket = await serveOnSocket(engine, join(engine.dataDir, SOCKET_NAME)).catch(() => undefined);
  return {
    engine,
    close: async (shutdown) => {
      await socket?.close();
      return engine.shutdown(shutdown);
    },
  };
}
