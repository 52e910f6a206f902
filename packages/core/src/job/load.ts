// Loads a job module by URL, in the engine and in worker threads alike.
// Node 20 has no type stripping, so a TypeScript job (a user's ./my-job.ts)
// goes through tsx's loader, registered once per thread on first need.
import { pathToFileURL } from 'node:url';
import { JobLoadError } from '../protocol/errors.js';
import type { AnyJobDefinition } from './define.js';

const TS_FILE = /\.(ts|mts|cts|tsx)$/;
let tsLoader: Promise<void> | undefined;

function ensureTsLoader(): Promise<void> {
  // Both hooks: a .ts file in a CommonJS package (npm init's default) is compiled to CommonJS,
  // and with only the ESM hook Node's require(esm) of its imports fails as a cycle.
  tsLoader ??= Promise.all([import('tsx/cjs/api'), import('tsx/esm/api')]).then(([cjs, esm]) => {
    cjs.register();
    esm.register();
  });
  return tsLoader;
}

const cache = new Map<string, Promise<AnyJobDefinition>>();

/** Imports a job module (file URL, or any URL Node can import) and checks its default export. */
export function loadJob(moduleUrl: string): Promise<AnyJobDefinition> {
  let loading = cache.get(moduleUrl);
  if (!loading) {
    loading = importDefinition(moduleUrl);
    cache.set(moduleUrl, loading);
    loading.catch(() => cache.delete(moduleUrl));
  }
  return loading;
}

/**
 * Imports a module, TypeScript included, and returns its default export. A CommonJS module
 * compiled from `export default` arrives as `{ default: value }` under Node's interop: unwrapped.
 */
export async function importDefault(moduleUrl: string): Promise<unknown> {
  if (TS_FILE.test(new URL(moduleUrl).pathname)) await ensureTsLoader();
  const mod = (await import(moduleUrl)) as { default?: unknown };
  const value = mod.default;
  if (value && typeof value === 'object' && 'default' in value && !('name' in value)) {
    return (value as { default: unknown }).default;
  }
  return value;
}

async function importDefinition(moduleUrl: string): Promise<AnyJobDefinition> {
  let value: unknown;
  try {
    value = await importDefault(moduleUrl);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new JobLoadError(`cannot load job module ${moduleUrl}: ${reason}`);
  }
  const def = value as Partial<AnyJobDefinition> | undefined;
  if (
    !def ||
    typeof def !== 'object' ||
    typeof def.name !== 'string' ||
    typeof def.input?.safeParse !== 'function' ||
    (typeof def.process !== 'function' && typeof def.run !== 'function')
  ) {
    throw new JobLoadError(
      `${moduleUrl} does not default-export a job (use \`export default defineJob({...})\`)`,
    );
  }
  return def as AnyJobDefinition;
}

export function toModuleUrl(pathOrUrl: string, cwd = process.cwd()): string {
  if (/^(file|data|https?):/.test(pathOrUrl)) return pathOrUrl;
  return pathToFileURL(new URL(pathOrUrl, pathToFileURL(`${cwd}/`)).pathname).href;
}
