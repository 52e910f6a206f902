// The web server: tRPC at /trpc (its event stream by @threadline/trpc's SSE
// writer), Prometheus metrics at /metrics, and the page. Every request passes
// the checks in security.ts first.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type JobClient, ValidationError } from '@threadline/core';
import { createApiHandler, DEFAULT_STREAM_LIMITS, newToken } from '@threadline/trpc';
import { guardClient } from './guard.js';
import { hasStats, metricsOf, renderStatus } from './metrics.js';
import { PathPolicy } from './paths.js';
import { allowedHosts, checkRequest, isLoopback, type Refusal } from './security.js';
import { serveStatic } from './static.js';

export interface ServerOptions {
  /** What the server serves: the engine, usually. */
  client: JobClient;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 7420; 0 picks a free port. */
  port?: number;
  /** Folders job inputs may name; default the current directory. */
  allow?: string[];
  /**
   * What every request must carry (a bearer header, the cookie the printed URL sets, or
   * `?token=`); default a new one for this server. `false` serves without one, on loopback only:
   * unsafe, since every user of this machine can then run jobs as the server's user.
   */
  token?: string | false;
  /** Largest request body; default 1 MiB. */
  maxBodyBytes?: number;
  /** The built page; default this package's dist/page. */
  pageDir?: string;
  /** SSE keep-alive interval; default 5000 ms. */
  pingMs?: number;
  /** Limits on what requests may ask; each has a default that a user on one machine never meets. */
  limits?: ServerLimits;
}

export interface ServerLimits {
  /** Calls in one tRPC batch; default 20. */
  maxBatchSize?: number;
  /** Time to receive a whole request (headers and body; a stream's response is not counted); default 30 s. */
  requestTimeoutMs?: number;
  /** Event streams open at once, over all clients; default 2048. */
  maxStreams?: number;
  /** The shortest `every` a request may start; default 1 s. */
  minEveryMs?: number;
  /** Bytes one event stream may hold unsent before it stops taking live events and catches up later; default 64 KiB. */
  streamBufferBytes?: number;
  /** Bytes every event stream together may hold unsent; past it, none with any unsent takes live events; default 32 MiB. */
  totalStreamBufferBytes?: number;
}

export const DEFAULT_LIMITS: Required<ServerLimits> = {
  maxBatchSize: 20,
  requestTimeoutMs: 30_000,
  maxStreams: 2048,
  minEveryMs: 1000,
  streamBufferBytes: DEFAULT_STREAM_LIMITS.streamBufferBytes,
  totalStreamBufferBytes: DEFAULT_STREAM_LIMITS.totalBufferBytes,
};

export interface WebServer {
  /** The page's URL, with the token when one is needed. */
  readonly url: string;
  /** http://host:port, without the token. */
  readonly origin: string;
  readonly port: number;
  readonly token: string | undefined;
  /** The allowed roots, as real paths. */
  readonly allowed: string[];
  readonly http: http.Server;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 7420;
const DEFAULT_PAGE_DIR = fileURLToPath(new URL('../../dist/page', import.meta.url));

export async function createServer(options: ServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  if (options.token === false && !isLoopback(host)) {
    throw new ValidationError(
      `serving ${host} without a token would let anyone who can reach it run jobs: give a token, or bind to loopback`,
    );
  }
  const token = options.token === false ? undefined : (options.token ?? newToken());
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const pageDir = options.pageDir ?? DEFAULT_PAGE_DIR;
  // Relative paths resolve against process.cwd(), as the job's worker threads will resolve them.
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const policy = await PathPolicy.create(options.allow ?? []);
  const client = guardClient(options.client, policy, limits);
  const hosts = allowedHosts(host);
  let sseConnections = 0;

  const api = createApiHandler(client, {
    basePath: '/trpc/',
    maxBodySize: maxBodyBytes,
    maxBatchSize: limits.maxBatchSize,
    streamLimits: {
      streamBufferBytes: limits.streamBufferBytes,
      totalBufferBytes: limits.totalStreamBufferBytes,
    },
    ...(options.pingMs !== undefined ? { pingMs: options.pingMs } : {}),
  });

  // Set after listen(): the cookie is per port, since browsers share cookies across ports.
  let cookieName = 'threadline_token';

  const handle = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    setSecurityHeaders(res);
    const refusal = checkRequest(req, url, { hosts, token, cookieName });
    if (refusal) return refuse(res, url, refusal, req.headers.accept);
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > maxBodyBytes) {
      return refuse(res, url, { status: 413, message: `refused: request body over ${maxBodyBytes} bytes` });
    }

    if (url.pathname === '/trpc' || url.pathname.startsWith('/trpc/')) {
      if (req.headers.accept?.includes('text/event-stream')) {
        if (sseConnections >= limits.maxStreams) {
          // The client's EventSource retries by itself; by then a stream has usually closed.
          res.setHeader('retry-after', '5');
          return refuse(res, url, {
            status: 503,
            message: `refused: ${limits.maxStreams} event streams are open`,
          });
        }
        sseConnections++;
        res.once('close', () => sseConnections--);
      }
      return api.handle(req, res, url);
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(res, url, { status: 405, message: 'method not allowed' });
    }
    if (url.pathname === '/metrics') {
      const text = await metricsOf(options.client, { sseConnections });
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(text);
      return;
    }
    if (url.pathname === '/status') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(renderStatus(hasStats(options.client) ? options.client : undefined));
      return;
    }
    if (token !== undefined && url.searchParams.get('token') === token) {
      // Jupyter's way: the token in the URL becomes a cookie, and leaves the address bar.
      url.searchParams.delete('token');
      res.writeHead(302, {
        'set-cookie': `${cookieName}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`,
        location: url.pathname + url.search,
      });
      res.end();
      return;
    }
    await serveStatic(pageDir, url.pathname, res, req.method === 'HEAD');
  };

  // Only the request must arrive in time: a stream's long response is not counted, and a slow
  // body or slow headers (300 held open for ever, before) are cut off with 408. Node checks
  // every connectionsCheckingInterval (30 s by default), so a short limit needs a shorter check.
  const timeouts = {
    requestTimeout: limits.requestTimeoutMs,
    headersTimeout: Math.min(60_000, limits.requestTimeoutMs),
    connectionsCheckingInterval: Math.min(5000, Math.max(100, limits.requestTimeoutMs / 4)),
  };
  const server = http.createServer(timeouts, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`internal error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? DEFAULT_PORT, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  cookieName = `threadline_token_${port}`;
  const shownHost = ['0.0.0.0', '::'].includes(host) ? hostname() : host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;

  return {
    url: token ? `${origin}/?token=${token}` : `${origin}/`,
    origin,
    port,
    token,
    allowed: policy.roots,
    http: server,
    close: () =>
      new Promise<void>((resolve) => {
        api.close();
        server.close(() => resolve());
        // SSE streams never end by themselves.
        server.closeAllConnections();
      }),
  };
}

function setSecurityHeaders(res: http.ServerResponse): void {
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('x-frame-options', 'DENY');
  res.setHeader('referrer-policy', 'no-referrer');
  // No 'unsafe-eval': the form's validator interprets schemas instead of compiling them (Ajv did).
  res.setHeader(
    'content-security-policy',
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
  );
}

function refuse(res: http.ServerResponse, url: URL, refusal: Refusal, accept?: string): void {
  if (url.pathname.startsWith('/trpc')) {
    // In tRPC's error shape, so a tRPC client shows the message.
    const code = {
      401: 'UNAUTHORIZED',
      403: 'FORBIDDEN',
      413: 'PAYLOAD_TOO_LARGE',
      415: 'UNSUPPORTED_MEDIA_TYPE',
      503: 'SERVICE_UNAVAILABLE',
    }[refusal.status];
    res.writeHead(refusal.status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        error: {
          message: refusal.message,
          code: -32600,
          data: { code: code ?? 'BAD_REQUEST', httpStatus: refusal.status },
        },
      }),
    );
    return;
  }
  if (refusal.status === 401 && accept?.includes('text/html')) {
    // A browser that lost the printed URL: a form that sends the token the way the URL does.
    res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
    res.end(TOKEN_PAGE);
    return;
  }
  res.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${refusal.message}\n`);
}

const TOKEN_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Threadline: token needed</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36em; margin: 4em auto; padding: 0 1em">
<h1>This server needs its token</h1>
<p>Open the URL <code>threadline serve</code> printed (<code>http://127.0.0.1:7420/?token=…</code>), or paste
the token: by default it is in the <code>token</code> file of the data directory.</p>
<form method="get" action="/"><input name="token" type="password" autocomplete="off" size="40" aria-label="token" autofocus>
<button type="submit">Open the dashboard</button></form>
</body></html>
`;
