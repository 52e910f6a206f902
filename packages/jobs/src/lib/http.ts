// Reads a response body with a size cap: a feed URL that streams without end
// must not fill the worker's heap.

export async function readTextLimited(response: Response, maxBytes: number): Promise<string> {
  return (await readBytesLimited(response, maxBytes)).toString('utf8');
}

/** The body's bytes, for a caller that decodes them itself (by charset). */
export async function readBytesLimited(response: Response, maxBytes: number): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length'));
  if (declared > maxBytes) throw new Error(`response too large (${declared} bytes, limit ${maxBytes})`);
  if (!response.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new Error(`response too large (over ${maxBytes} bytes)`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The useful part of a fetch error: undici's "fetch failed" hides the reason in `cause`. */
export function fetchErrorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? error.cause : undefined;
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return cause ? `${error.message}: ${code ? `${code} ` : ''}${cause.message}` : error.message;
}
