// `threadline watch` with the project's jobs and its config's watch rules; its
// options come from the same table as every command's.
import { ValidationError } from '@threadline/core';
import { DEFAULT_CONCURRENCY, DEFAULT_STABLE_MS, runWatch } from '@threadline/watch';
import { positiveInt } from '../connect.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';
import {
  type CommandSpec,
  HELP,
  helpText,
  type OptionTable,
  POOL_SIZE,
  parseCommand,
  WHERE,
  whereFrom,
} from '../options.js';

export const WATCH = {
  name: 'watch',
  synopsis: `<folder> --job <name> [options]
       threadline watch [options]      (the folders and rules of the config's \`watch\`)`,
  description: `Turns each file dropped into <folder> into a job, once. A file is taken when its
size and modification time have stopped changing and no process still has it
open for writing (Linux: /proc); it is moved to processing/
while its job runs; results go to done/ (or --out), the file itself to failed/
with a <name>.error.txt when it fails, and the original of a converted file to
originals/. A restart finishes or redoes whatever a previous run left in processing/.`,
  positionals: true,
  options: {
    job: { type: 'string', value: '<name>', help: 'job to run for each file (threadline jobs lists them)' },
    input: {
      type: 'string',
      value: '<json>',
      help: 'job input; {{file}} {{dir}} {{out}} {{name}} {{stem}} {{ext}} stand for the file, a folder holding only it, the output folder, and its name (built-in jobs need none: image.scale, photo.tidy, files.checksum, demo.sleep)',
    },
    out: { type: 'string', value: '<dir>', help: 'where results go (default <folder>/done)' },
    stable: {
      type: 'string',
      value: '<ms>',
      help: `how long a file must stay unchanged before it is taken (default ${DEFAULT_STABLE_MS})`,
    },
    // Files, not threads: the threads are --pool-size, as in every command.
    concurrency: {
      type: 'string',
      value: '<n>',
      help: `files in work at once, per folder (default ${DEFAULT_CONCURRENCY})`,
    },
    'pool-size': POOL_SIZE,
    server: WHERE.server,
    'token-file': WHERE['token-file'],
    token: WHERE.token,
    'data-dir': WHERE['data-dir'],
    help: HELP,
  },
  footer: `Ctrl+C stops taking files and leaves those in work in processing/ for the next
start; a second Ctrl+C quits at once and lists them.`,
} as const satisfies CommandSpec<OptionTable>;

function nonNegativeInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new ValidationError(`--${name} must be an integer of at least 0, got "${value}"`);
  return n;
}

export async function runWatchCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const { values, positionals } = parseCommand(argv, WATCH);
  if (values.help) {
    console.log(helpText(WATCH));
    return EXIT.ok;
  }
  if (positionals.length > 1)
    throw new ValidationError("give one folder (for several, use the config's watch rules)");
  const [folder] = positionals;
  const stableMs = nonNegativeInt(values.stable, 'stable');
  const concurrency = positiveInt(values.concurrency, 'concurrency');
  const poolSize = positiveInt(values['pool-size'], 'pool-size');
  const { watch } = await deps.project();
  return runWatch(
    {
      ...(folder !== undefined ? { folder } : {}),
      ...(values.job !== undefined ? { job: values.job } : {}),
      ...(values.input !== undefined ? { input: values.input } : {}),
      ...(values.out !== undefined ? { out: values.out } : {}),
      ...(stableMs !== undefined ? { stableMs } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
      where: { ...whereFrom(values), ...(poolSize ? { poolSize } : {}) },
    },
    {
      connect: deps.connect,
      ...(watch ? { rules: { value: watch.rules, base: watch.base, file: watch.file } } : {}),
    },
  );
}
