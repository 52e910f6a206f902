// Each command's options as one table: the parser reads it and the help is
// written from it, so the two cannot drift. Options every command shares
// (where jobs are, output) are defined once here. A parse error is one line
// that says what was wrong and, for a typo, what was meant.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { ConnectOptions } from '@threadline/core';
import { didYouMean } from '@threadline/core/internal';
import { readTokenFile } from '@threadline/trpc/token';
import { UsageError } from './exit.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** The value's placeholder in the help, e.g. `<dir>`. */
  value?: string;
  help: string;
}

export type OptionTable = Record<string, OptionSpec>;

export interface CommandSpec<T extends OptionTable> {
  name: string;
  /** What follows `threadline <name>` in the usage line, e.g. `<job-name|path> [options]`. */
  synopsis: string;
  /** A paragraph on what the command does. */
  description: string;
  options: T;
  positionals?: boolean;
  /** Lines after the options: keys, exit codes. */
  footer?: string;
}

export const HELP = { type: 'boolean', short: 'h', help: 'show this help' } as const satisfies OptionSpec;

/** Where a command finds jobs; each flag wins over the project config and the environment. */
export const WHERE = {
  'data-dir': {
    type: 'string',
    value: '<dir>',
    help: "where jobs are kept (default THREADLINE_DATA_DIR, the config's dataDir, or the user data folder)",
  },
  server: {
    type: 'string',
    value: '<url>',
    help: "attach to a running `threadline serve` (default THREADLINE_SERVER or the config's server)",
  },
  redis: {
    type: 'string',
    value: '<url>',
    help: "use a BullMQ deployment (default THREADLINE_REDIS or the config's redis)",
  },
  'token-file': {
    type: 'string',
    value: '<file>',
    help: "the file holding --server's token (default THREADLINE_TOKEN, the config's token, the token in the URL, or the data directory's token file)",
  },
  token: { type: 'string', value: '<token>', help: "the server's token (shown by ps: prefer --token-file)" },
} as const satisfies OptionTable;

/** Worker threads: one name for one idea in every command and in the config (`poolSize`). */
export const POOL_SIZE = {
  type: 'string',
  value: '<n>',
  help: "worker threads (default the config's poolSize, else one per core)",
} as const satisfies OptionSpec;

export const JSON_OUTPUT = { type: 'boolean', help: 'print JSON' } as const satisfies OptionSpec;

/** How a command that follows a job to its end (run, resume) shows it. */
export const FOLLOW = {
  json: { type: 'boolean', help: 'print every event as one JSON line' },
  quiet: { type: 'boolean', short: 'q', help: 'print only failures and the outcome' },
} as const satisfies OptionTable;

export function helpText(spec: CommandSpec<OptionTable>): string {
  const rows = Object.entries(spec.options).map(([name, option]) => [
    `${option.short ? `-${option.short}, ` : ''}--${name}${option.value ? ` ${option.value}` : ''}`,
    option.help,
  ]);
  const width = Math.min(24, Math.max(...rows.map(([flag]) => flag!.length)) + 2);
  const indent = ' '.repeat(width + 2);
  const lines = rows.map(([flag, help]) => {
    const text = wrap(help!, 80 - indent.length).join(`\n${indent}`);
    return flag!.length + 2 > width ? `  ${flag}\n${indent}${text}` : `  ${flag!.padEnd(width)}${text}`;
  });
  return [
    `Usage: threadline ${spec.name} ${spec.synopsis}`,
    '',
    spec.description,
    '',
    'Options:',
    ...lines,
    ...(spec.footer ? ['', spec.footer] : []),
  ].join('\n');
}

/** Breaks text into lines of at most `width` characters, at spaces. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line];
}

type Values<T extends OptionTable> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean'
    ? boolean
    : T[K]['multiple'] extends true
      ? string[]
      : string;
};

/** Parses argv by the table; a mistake is a UsageError naming it (and the option meant, for a typo). */
export function parseCommand<T extends OptionTable>(
  argv: string[],
  spec: CommandSpec<T>,
): { values: Values<T>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, { type, short, multiple }]) => [
      name,
      { type, ...(short ? { short } : {}), ...(multiple ? { multiple } : {}) },
    ]),
  ) as ParseArgsConfig['options'];
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options,
      allowPositionals: spec.positionals ?? false,
      strict: true,
    });
    return { values: values as Values<T>, positionals };
  } catch (error) {
    throw new UsageError(
      `${explain(error as Error & { code?: string }, spec)}\nSee: threadline ${spec.name} --help`,
    );
  }
}

function explain(error: Error & { code?: string }, spec: CommandSpec<OptionTable>): string {
  const flags = Object.keys(spec.options).map((name) => `--${name}`);
  const unknown = /^Unknown option '([^']+)'/.exec(error.message)?.[1];
  if (unknown) return `unknown option ${unknown}${didYouMean(unknown, flags, '')}`;
  const missing = /^Option '(-\w, )?(--[\w-]+)[^']*' argument missing/.exec(error.message)?.[2];
  if (missing) return `${missing} needs a value`;
  const positional = /^Unexpected argument '([^']+)'/.exec(error.message)?.[1];
  if (positional) return `unexpected argument "${positional}"`;
  const boolean = /^Option '(-\w, )?(--[\w-]+)' does not take an argument/.exec(error.message)?.[2];
  if (boolean) return `${boolean} takes no value`;
  return error.message.split('\n')[0]!;
}

/** The WHERE flags as the connect options they stand for. */
export function whereFrom(values: {
  'data-dir'?: string | undefined;
  server?: string | undefined;
  redis?: string | undefined;
  token?: string | undefined;
  'token-file'?: string | undefined;
}): ConnectOptions {
  const token = values['token-file'] !== undefined ? tokenFromFile(values['token-file']) : values.token;
  if (values.redis !== undefined && !/^rediss?(\+cluster)?:\/\//.test(values.redis))
    throw new UsageError(
      `--redis must be a redis:// or rediss:// URL, like redis://127.0.0.1:6379 (got "${values.redis}")`,
    );
  return {
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.server ? { server: values.server } : {}),
    ...(values.redis ? { redis: values.redis } : {}),
    ...(token ? { token } : {}),
  };
}

function tokenFromFile(file: string): string {
  try {
    return readTokenFile(file);
  } catch (error) {
    throw new UsageError(`--token-file: ${(error as Error).message.split('\n')[0]}`);
  }
}
