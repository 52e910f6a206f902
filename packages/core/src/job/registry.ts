// Where job names come from: a map of built-in names to module URLs, plus
// any module given by path or URL.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../protocol/errors.js';
import { didYouMean } from '../suggest.js';
import { toModuleUrl } from './load.js';

/** Job name → module URL. */
export type JobRegistry = Record<string, string>;

const looksLikePath = (ref: string) =>
  ref.startsWith('.') ||
  ref.startsWith('/') ||
  /^(file|data|https?):/.test(ref) ||
  /\.(m?[jt]s|cjs|cts)$/.test(ref);

/** Module files seen to exist: a stat per start was a tenth of a small job's time. */
const found = new Set<string>();

/** Resolves a job name or a path/URL to the URL of its module. */
export function resolveJobRef(ref: string, registry: JobRegistry, cwd = process.cwd()): string {
  const registered = registry[ref];
  if (registered) return registered;
  if (looksLikePath(ref)) {
    const url = toModuleUrl(ref, cwd);
    if (url.startsWith('file:') && !found.has(url)) {
      if (!existsSync(fileURLToPath(url)))
        throw new NotFoundError(`job module not found: ${fileURLToPath(url)}`);
      found.add(url);
    }
    return url;
  }
  const known = Object.keys(registry).sort();
  throw new NotFoundError(
    `unknown job "${ref}"${didYouMean(ref, known)}${known.length ? `; known jobs: ${known.join(', ')}` : ''} (or give a path to a job module)`,
  );
}
