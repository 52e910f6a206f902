// What a local server that can touch files must check on every request:
// the Host header (DNS rebinding), the Origin of mutations (CSRF), and the
// token (on loopback too: another user of this machine can reach 127.0.0.1).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

export const isLoopback = (host: string) => LOOPBACK.has(unbracket(host)) || /^127\./.test(host);
const unbracket = (host: string) => host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
const WILDCARD = new Set(['0.0.0.0', '::', '']);

/** Host names a request may carry: the bound host and loopback; on a wildcard bind, this machine's addresses and name. */
export function allowedHosts(boundHost: string): Set<string> {
  const hosts = new Set([...LOOPBACK, unbracket(boundHost)]);
  if (WILDCARD.has(unbracket(boundHost))) {
    hosts.add(hostname().toLowerCase());
    for (const addresses of Object.values(networkInterfaces())) {
      for (const address of addresses ?? []) hosts.add(address.address.toLowerCase());
    }
  }
  return hosts;
}

/** The host name of a Host header or an origin's host, without port and brackets. */
export function hostOf(hostHeader: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracketed) return bracketed[1]!.toLowerCase();
  return hostHeader.replace(/:\d+$/, '').toLowerCase();
}

export interface Refusal {
  status: number;
  message: string;
}

export interface SecurityOptions {
  hosts: Set<string>;
  token: string | undefined;
  cookieName: string;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Returns why a request must be refused, or undefined to let it through. */
export function checkRequest(req: IncomingMessage, url: URL, options: SecurityOptions): Refusal | undefined {
  const host = req.headers.host;
  if (!host || !options.hosts.has(hostOf(host))) {
    return {
      status: 403,
      message: `refused: Host "${host ?? ''}" is not this server (DNS rebinding protection)`,
    };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost?.toLowerCase() !== host.toLowerCase()) {
      return { status: 403, message: `refused: cross-origin request from ${origin}` };
    }
  }
  if (MUTATING.has(req.method ?? 'GET')) {
    if (origin === 'null' || req.headers['sec-fetch-site'] === 'cross-site') {
      return { status: 403, message: 'refused: cross-origin request' };
    }
    // A form on another site can post text/plain without a preflight; it cannot post JSON.
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/json\b/i.test(type)) {
      return { status: 415, message: 'refused: a request that changes something must be application/json' };
    }
  }
  if (options.token !== undefined && !hasToken(req, url, options)) {
    return {
      status: 401,
      message:
        "refused: this server needs its token (open the URL `threadline serve` printed, or send Authorization: Bearer <token>; by default it is in the data directory's token file)",
    };
  }
  return undefined;
}

function hasToken(req: IncomingMessage, url: URL, options: SecurityOptions): boolean {
  const expected = options.token!;
  const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
  const given = bearer ?? url.searchParams.get('token') ?? cookie(req, options.cookieName);
  return given !== undefined && given !== null && same(given, expected);
}

export function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
