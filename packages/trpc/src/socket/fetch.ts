// `fetch` over a Unix socket, for the tRPC links and the EventSource: Node's
// own fetch cannot dial one, and the undici that could is not a public module.
import { request } from 'node:http';
import { Readable } from 'node:stream';

export function socketFetch(socketPath: string): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      const headers = Object.fromEntries(new Headers(init?.headers));
      const req = request(
        { socketPath, path: `${url.pathname}${url.search}`, method: init?.method ?? 'GET', headers },
        (res) => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const one of [value ?? []].flat()) responseHeaders.append(name, one);
          }
          const empty = res.statusCode === 204 || res.statusCode === 304 || init?.method === 'HEAD';
          resolve(
            new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
              status: res.statusCode ?? 500,
              headers: responseHeaders,
            }),
          );
        },
      );
      const signal = init?.signal;
      const abort = () => req.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (signal?.aborted) return abort();
      signal?.addEventListener('abort', abort, { once: true });
      req.once('close', () => signal?.removeEventListener('abort', abort));
      req.on('error', reject);
      req.end(typeof init?.body === 'string' ? init.body : undefined);
    });
}
