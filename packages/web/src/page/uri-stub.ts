// rjsf resolves a $ref against a schema's $id with fast-uri (24 KB of the
// script); job schemas carry no $id, and the browser's URL does the rest.
// vite.config.ts points 'fast-uri' here.
function resolve(base: string, ref: string): string {
  try {
    return new URL(ref, base).href;
  } catch {
    return ref;
  }
}

function equal(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

export default { resolve, equal };
