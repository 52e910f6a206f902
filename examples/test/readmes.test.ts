// The READMEs show code that exists: every TypeScript/JavaScript block is an
// example file, verbatim (run.test.ts runs them all), and every shell line names
// real `threadline` commands and flags, npm scripts and files.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Block, blocks, CODE_LANGS, exampleFiles, READMES, ROOT, readExample } from './readmes.js';

const CLI = join(ROOT, 'packages/cli/dist/main.js');
const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);
const all: Block[] = READMES.filter((readme) => existsSync(join(ROOT, readme))).flatMap(blocks);
const where = (block: Block) => `${block.readme}:${block.line}`;

describe('READMEs', () => {
  it('every public package has one', () => {
    for (const readme of READMES) expect(existsSync(join(ROOT, readme)), readme).toBe(true);
  });

  it('show each code block as the example file its marker names, verbatim', () => {
    const code = all.filter((block) => CODE_LANGS.has(block.lang));
    expect(code.length).toBeGreaterThan(0);
    for (const block of code) {
      expect(block.example, `${where(block)}: no <!-- example: examples/… --> before the fence`).toMatch(
        /^examples\//,
      );
      const file = readExample(block.example!);
      expect(file, `${where(block)}: ${block.example} does not exist`).toBeDefined();
      expect(`${block.code}\n`, `${where(block)} differs from ${block.example}`).toBe(file);
    }
  });

  it('a marker names an example file before any fence, of any language', () => {
    for (const block of all.filter((b) => b.example)) {
      expect(readExample(block.example!), `${where(block)}: ${block.example}`).toBeDefined();
    }
  });

  it('show every example somewhere', () => {
    const shown = new Set(all.map((block) => block.example));
    const unshown = exampleFiles().filter((file) => !shown.has(file));
    expect(unshown, 'examples no README shows').toEqual([]);
  });
});

describe('shell lines in the READMEs', () => {
  const lines = all
    .filter((block) => SHELL_LANGS.has(block.lang))
    .flatMap((block) =>
      block.code.split('\n').map((text, i) => ({ text, at: `${block.readme}:${block.line + 1 + i}` })),
    );
  const commands = lines.flatMap(({ text, at }) =>
    segments(text).map((words) => ({ words, at, readme: at.split(':')[0]! })),
  );

  it('name threadline commands and flags its --help lists', () => {
    const help = helpOf();
    const known = [...help(undefined).matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(known).toContain('run');
    let checked = 0;
    for (const { words, at } of commands) {
      const i = words.indexOf('threadline');
      if (i < 0 || (i > 0 && words[i - 1] !== 'npx')) continue;
      const command = words[i + 1];
      const flags = words.slice(i + 1).filter((word) => /^--?[a-z]/.test(word));
      if (command === undefined || command.startsWith('-')) {
        for (const flag of flags) expect(['--help', '-h', '--version', '-v'], at).toContain(flag);
        continue;
      }
      expect(known, `${at}: threadline ${command} is not a command`).toContain(command);
      // A command's own options, and those of every command (the main help lists them).
      const text = `${help(command)}\n${help(undefined)}`;
      for (const flag of flags) {
        const name = flag.split('=')[0]!;
        expect(text, `${at}: threadline ${command} has no ${name}`).toMatch(
          new RegExp(`(^|[\\s\\[(,])${name.replace(/[-]/g, '\\-')}\\b`),
        );
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('name npm scripts that exist', () => {
    for (const { words, at, readme } of commands) {
      if (words[0] !== 'npm') continue;
      const script =
        words[1] === 'run' ? words[2] : ['start', 'test'].includes(words[1] ?? '') ? words[1] : undefined;
      if (!script) continue;
      const w = words.findIndex((word) => word === '-w' || word === '--workspace');
      const pkg = w >= 0 ? workspaceDir(words[w + 1]!) : readme === 'README.md' ? '.' : readme.slice(0, -10);
      const scripts = JSON.parse(readFileSync(join(ROOT, pkg, 'package.json'), 'utf8')).scripts ?? {};
      expect(Object.keys(scripts), `${at}: no script "${script}" in ${pkg}/package.json`).toContain(script);
    }
  });

  it('name files of the repository that exist', () => {
    for (const { words, at } of commands) {
      if (words[0] !== 'node' || !words[1] || words[1].startsWith('-')) continue;
      expect(existsSync(join(ROOT, words[1])), `${at}: ${words[1]}`).toBe(true);
    }
  });
});

/** A shell line's commands (split at &&, ||, | and ;), as words: comments, quotes and brackets removed. */
function segments(line: string): string[][] {
  const words: string[][] = [[]];
  const re = /'[^']*'|"(?:\\.|[^"\\])*"|&&|\|\||[|;]|#.*$|[^\s'"|;&]+/g;
  for (const match of line.trim().matchAll(re)) {
    const token = match[0];
    if (token.startsWith('#')) break;
    if (['&&', '||', '|', ';'].includes(token)) words.push([]);
    else if (/^['"]/.test(token)) words.at(-1)!.push('<quoted>');
    else words.at(-1)!.push(token.replace(/^[[(]+|[\])]+$/g, '').replace(/\.\.\.$/, ''));
  }
  return words.filter((w) => w.length > 0);
}

function helpOf(): (command: string | undefined) => string {
  const cache = new Map<string | undefined, string>();
  return (command) => {
    if (!cache.has(command)) {
      const args = command ? [CLI, command, '--help'] : [CLI, '--help'];
      cache.set(command, execFileSync(process.execPath, args, { encoding: 'utf8' }));
    }
    return cache.get(command)!;
  };
}

function workspaceDir(name: string): string {
  const dirs = [
    'examples',
    'e2e',
    'bench',
    ...readdirSync(join(ROOT, 'packages')).map((p) => `packages/${p}`),
  ];
  const dir = dirs.find((d) => {
    const file = join(ROOT, d, 'package.json');
    return existsSync(file) && JSON.parse(readFileSync(file, 'utf8')).name === name;
  });
  if (!dir) throw new Error(`no workspace named ${name}`);
  return dir;
}
