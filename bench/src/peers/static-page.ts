// The first-paint measure's peer: the floor a page of a given weight can reach. A bare
// node:http server on loopback answers the same `?token=` redirect as `threadline serve`,
// then a document, a stylesheet and a module script of the page's compressed sizes
// (random text in comments, which compresses as little as minified code does), in the
// page's encoding; its script only writes a line, so its content too waits for its
// script, but nothing is parsed, run or fetched beyond the bytes.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export interface StaticPage {
  /** Where a user would open it: the redirect that sets its cookie, as Threadline's printed URL. */
  url: string;
  close(): Promise<void>;
}

const compress = (text: string, encoding: string): Buffer =>
  encoding === 'br'
    ? brotliCompressSync(text, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } })
    : encoding === 'gzip'
      ? gzipSync(text, { level: 9 })
      : Buffer.from(text);

interface Filler {
  head: string;
  tail: string;
  /** How the language opens and closes a comment. */
  comment: [string, string];
  /** Bytes once compressed in `encoding`, within 0.5%. */
  compressed: number;
  /** Bytes once decoded, at least: blank padding in the comment, which compresses to almost nothing. */
  decoded?: number;
  encoding: string;
}

/** `head`, a comment of random text (and blanks), `tail`, sized to the compressed and decoded targets. */
function filled({ head, tail, comment: [open, close], compressed, decoded = 0, encoding }: Filler) {
  const make = (chars: number) => {
    const text = `${randomBytes(chars).toString('base64').slice(0, chars)}`;
    const pad = ' '.repeat(
      Math.max(0, decoded - head.length - open.length - text.length - close.length - tail.length),
    );
    return `${head}${open}${text}${pad}${close}${tail}`;
  };
  let chars = Math.max(0, compressed - head.length - tail.length);
  let body = compress(make(chars), encoding);
  for (let i = 0; i < 8 && Math.abs(body.length - compressed) > compressed * 0.005; i++) {
    chars = Math.max(0, Math.round(chars + (compressed - body.length) * (chars / Math.max(1, body.length))));
    body = compress(make(chars), encoding);
  }
  return body;
}

/**
 * The floor: the same redirect, then a document, stylesheet and script of `sizes` compressed bytes
 * (the script also `jsDecoded` bytes once decoded, as Threadline's).
 */
export async function startStaticPage(
  sizes: { html: number; css: number; js: number },
  jsDecoded: number,
  encoding: string,
): Promise<StaticPage> {
  const token = 'bench';
  const files: Record<string, { type: string; body: Buffer }> = {
    '/': {
      type: 'text/html; charset=utf-8',
      body: filled({
        head:
          '<!doctype html><html lang="en"><head><meta charset="UTF-8" /><title>Floor</title>' +
          '<script type="module" crossorigin src="/assets/page.js"></script>' +
          '<link rel="stylesheet" crossorigin href="/assets/page.css"></head><body><div id="root"></div>',
        tail: '</body></html>',
        comment: ['<!--', '-->'],
        compressed: sizes.html,
        encoding,
      }),
    },
    '/assets/page.css': {
      type: 'text/css; charset=utf-8',
      body: filled({
        head: '',
        tail: 'body{font-family:sans-serif}',
        comment: ['/*', '*/'],
        compressed: sizes.css,
        encoding,
      }),
    },
    '/assets/page.js': {
      type: 'text/javascript; charset=utf-8',
      body: filled({
        head: '',
        tail: "document.getElementById('root').innerHTML='<h1>Threadline</h1><p>jobs</p>';",
        comment: ['/*', '*/'],
        compressed: sizes.js,
        decoded: jsDecoded,
        encoding,
      }),
    },
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://floor');
    if (url.searchParams.get('token') === token) {
      res.writeHead(302, { 'set-cookie': `floor=${token}; Path=/; HttpOnly`, location: '/' });
      res.end();
      return;
    }
    const file = files[url.pathname];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': file.type,
      'content-length': file.body.length,
      ...(encoding === 'identity' ? {} : { 'content-encoding': encoding }),
      'cache-control': 'no-cache',
    });
    res.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
