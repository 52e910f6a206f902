// What the READMEs show: their fenced code blocks, each with the example file
// it claims to be (`<!-- example: examples/x.ts -->` on the line before the fence).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const EXAMPLES = join(ROOT, 'examples');

/** The README of the repository and of every public package (npm shows it as the package's page). */
export const READMES = [
  'README.md',
  ...['core', 'jobs', 'trpc', 'bullmq', 'tui', 'watch', 'web', 'cli'].map((p) => `packages/${p}/README.md`),
];

/** Languages whose blocks must be example files; shell blocks are checked against the CLI's help. */
export const CODE_LANGS = new Set(['ts', 'typescript', 'tsx', 'js', 'javascript', 'mjs']);

export interface Block {
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  code: string;
  /** The file named by the marker before the fence, relative to the repository. */
  example: string | undefined;
}

const MARKER = /^<!--\s*example:\s*(\S+)\s*-->$/;

export function blocks(readme: string): Block[] {
  const lines = readFileSync(join(ROOT, readme), 'utf8').split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\S*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const start = i;
    let end = i + 1;
    while (end < lines.length && lines[end] !== fence) end++;
    const marker = MARKER.exec(lines[start - 1]?.trim() ?? '');
    found.push({
      readme,
      line: start + 1,
      lang: open[2] ?? '',
      code: lines.slice(start + 1, end).join('\n'),
      example: marker?.[1],
    });
    i = end;
  }
  return found;
}

/** Every example a user could copy: the .ts files under examples/, less the tests and tool config. */
export function exampleFiles(dir = EXAMPLES): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'test') files.push(...exampleFiles(path));
    } else if (/\.(ts|mts|js|mjs)$/.test(entry.name) && entry.name !== 'vitest.config.ts') {
      files.push(relative(ROOT, path));
    }
  }
  return files.sort();
}

export const readExample = (file: string): string | undefined =>
  existsSync(join(ROOT, file)) ? readFileSync(join(ROOT, file), 'utf8') : undefined;
