// The API of the engine that owns a data directory, on a Unix socket inside
// it, so every other command on that directory attaches to it instead of
// being refused. The socket is mode 0600: only the directory's owner gets in.
import { chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
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
    // The umask can leave a fresh socket open to others for a moment: listen, then chmod, before anyone is told.
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
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
