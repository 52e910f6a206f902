// The API of the engine that owns a data directory, on a Unix socket inside
// it, so every other command on that directory attaches to it instead of
// being refused. The socket is mode 0600: only the directory's owner gets in.
import { chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { isMainThread } from 'node:worker_threads';
import type { JobClient } from '@threadline/core';
import { createApiHandler } from '../handler.js';

export interface SocketServer {
  readonly path: string;
  close(): Promise<void>;
}

/** Serves `client` on `path`. Call it only while holding the data directory: a file there is a dead owner's. */
export async function serveOnSocket(client: JobClient, path: string): Promise<SocketServer> {
  const api = createApiHandler(client);
  const server = createServer((req, res) =>
    api.handle(req, res, new URL(req.url ?? '/', 'http://localhost')),
  );
  rmSync(path, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The socket is bound inside listen(), under the umask: a umask of 002 would leave it open to
    // the group (connecting needs write permission) until the chmod. Bound under 177, it is
    // never more than 0600. Only the main thread may set the umask; a worker keeps the chmod.
    const umask = isMainThread ? process.umask(0o177) : undefined;
    try {
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    } finally {
      if (umask !== undefined) process.umask(umask);
    }
  });
  chmodSync(path, 0o600);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        api.close();
        server.close(() => {
          rmSync(path, { force: true });
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
