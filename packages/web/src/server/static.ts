// Serves the page Vite built. Hashed assets are cached for good; index.html
// never, so a new build shows up on the next load. The build writes a .br and
// a .gz beside each text file (vite.config.ts); a browser that accepts one gets
// it, so the page's script crosses the wire at about a third of its size.
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
};

/** Precompressed variants, best first: the file's suffix and its Content-Encoding. */
const ENCODINGS = [
  { suffix: '.br', encoding: 'br' },
  { suffix: '.gz', encoding: 'gzip' },
] as const;

/** The codings an Accept-Encoding header accepts (q > 0); `*` stands for any. */
export function acceptedEncodings(header: string | string[] | undefined): Set<string> {
  const accepted = new Set<string>();
  const text = Array.isArray(header) ? header.join(',') : (header ?? '');
  for (const part of text.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    if (q !== undefined && !(Number(q.slice(2)) > 0)) continue;
    accepted.add(name === 'x-gzip' ? 'gzip' : name);
  }
  return accepted;
}

export async function serveStatic(
  root: string,
  pathname: string,
  res: ServerResponse,
  head: boolean,
  // The response knows its request (server.ts need not pass the header along).
  acceptEncoding: string | string[] | undefined = res.req?.headers['accept-encoding'],
): Promise<void> {
  let relative: string;
  try {
    relative = normalize(decodeURIComponent(pathname)).replace(/^([/\\])+/, '');
  } catch {
    relative = '';
  }
  let file = join(root, relative);
  if (!file.startsWith(root + sep) && file !== root) file = join(root, 'index.html');
  let info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    // The page is one document; any path that is not an asset gets it.
    if (relative.startsWith('assets')) return notFound(res);
    file = join(root, 'index.html');
    info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The page is not built: run `npm run build` (or `npm start`, which builds it).\n');
      return;
    }
  }
  const immutable = file.includes(`${sep}assets${sep}`);
  const type = TYPES[extname(file)] ?? 'application/octet-stream';
  let body = file;
  let size = info.size;
  let encoding: string | undefined;
  let compressible = false;
  const accepted = acceptedEncodings(acceptEncoding);
  for (const variant of ENCODINGS) {
    const compressed: Stats | undefined = await stat(file + variant.suffix).catch(() => undefined);
    if (!compressed?.isFile()) continue;
    compressible = true;
    if (accepted.has(variant.encoding) || accepted.has('*')) {
      body = file + variant.suffix;
      size = compressed.size;
      encoding = variant.encoding;
      break;
    }
  }
  res.writeHead(200, {
    'content-type': type,
    'content-length': size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...(encoding ? { 'content-encoding': encoding } : {}),
    // A cache between here and the browser must keep one copy per encoding.
    ...(compressible ? { vary: 'Accept-Encoding' } : {}),
  });
  if (head) {
    res.end();
    return;
  }
  createReadStream(body).pipe(res);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('not found\n');
}
