// The built page over the wire: precompressed brotli or gzip to a browser that
// accepts it, the plain file otherwise, the same bytes once decoded.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { acceptedEncodings } from '../src/server/static.js';
import { authFor, serve } from './helpers.js';

const PAGE_BUILT = existsSync(fileURLToPath(new URL('../dist/page/index.html', import.meta.url)));

/** A raw GET (Node's fetch would ask for and undo the compression by itself). */
function get(
  url: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { ...authFor(url), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('static page serving', () => {
  it('reads Accept-Encoding with its q-values', () => {
    expect([...acceptedEncodings('gzip, deflate, br, zstd')]).toEqual(['gzip', 'deflate', 'br', 'zstd']);
    expect([...acceptedEncodings('br;q=0, gzip;q=0.5')]).toEqual(['gzip']);
    expect([...acceptedEncodings('identity')]).toEqual(['identity']);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
  });

  it.runIf(PAGE_BUILT)(
    'sends the script gzip- or brotli-compressed when accepted: smaller, the same once decoded',
    async () => {
      const { base } = await serve();
      const html = (await get(`${base}/`, {})).body.toString('utf8');
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();

      const plain = await get(`${base}${script}`, { 'accept-encoding': 'identity' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      expect(Number(plain.headers['content-length'])).toBe(plain.body.length);

      const gzip = await get(`${base}${script}`, { 'accept-encoding': 'gzip, deflate' });
      expect(gzip.headers['content-encoding']).toBe('gzip');
      expect(gzip.headers['content-type']).toMatch(/^text\/javascript/);
      expect(gzip.headers['cache-control']).toMatch(/immutable/);
      expect(Number(gzip.headers['content-length'])).toBe(gzip.body.length);
      expect(gzip.body.length).toBeLessThan(plain.body.length / 2.5);
      expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true);

      const brotli = await get(`${base}${script}`, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(brotli.headers['content-encoding']).toBe('br');
      expect(brotli.body.length).toBeLessThan(gzip.body.length);
      expect(brotliDecompressSync(brotli.body).equals(plain.body)).toBe(true);

      // Refused with q=0: the plain file.
      const refused = await get(`${base}${script}`, { 'accept-encoding': 'gzip;q=0, br;q=0' });
      expect(refused.headers['content-encoding']).toBeUndefined();
      expect(refused.body.equals(plain.body)).toBe(true);

      // HEAD says what GET would send, without the body.
      const head = await get(`${base}${script}`, { 'accept-encoding': 'gzip' }, 'HEAD');
      expect(head.headers['content-encoding']).toBe('gzip');
      expect(Number(head.headers['content-length'])).toBe(gzip.body.length);
      expect(head.body.length).toBe(0);

      console.log(
        `page script: ${plain.body.length} bytes plain, ${gzip.body.length} gzip, ${brotli.body.length} brotli`,
      );
    },
  );
});
