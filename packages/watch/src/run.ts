// `threadline watch`: the command-line entry. Parses arguments, checks
// everything before a file moves, then runs one FolderRunner per folder until
// SIGINT or SIGTERM.
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Connect, ValidationError } from '@threadline/core';
import { checkFolders, checkRules } from './checks.js';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_STABLE_MS,
  type FolderConfig,
  foldersFromRules,
  makeRule,
  parseInputOption,
} from './config.js';
import { FolderRunner } from './folder.js';
import { Serial } from './serial.js';

export const USAGE = `Usage: threadline watch <folder> --job <name> [options]
       threadline watch [options]      (the folders and rules of the config's \`watch\`)

Turns each file dropped into <folder> into a job, once. A file is taken when its
size and modification time have stopped changing and no process still has it
open for writing (Linux: /proc); it is moved to processing/
while its job runs; results go to done/ (or --out), the file itself to failed/
with a <name>.error.txt when it fails, and the original of a converted file to
originals/. A restart finishes or redoes whatever a previous run left in processing/.

Options:
  --job <name>          job to run for each file (threadline jobs lists them)
  --input <json>        job input; {{file}} {{dir}} {{out}} {{name}} {{stem}} {{ext}}
                        stand for the file, a folder holding only it, the output folder,
                        and its name (built-in jobs need none: image.scale, photo.tidy,
                        files.checksum, demo.sleep)
  --out <dir>           where results go (default <folder>/done)
  --stable <ms>         how long a file must stay unchanged before it is taken (default ${DEFAULT_STABLE_MS})
  --concurrency <n>     files in work at once, per folder (default ${DEFAULT_CONCURRENCY})
  --server <url>        run the jobs on a running threadline server
  --token <token>       the server's token (or THREADLINE_TOKEN)
  --data-dir <dir>      data directory of the embedded engine
  -h, --help            show this help

Ctrl+C stops taking files and leaves those in work in processing/ for the next
start; a second Ctrl+C quits at once and lists them.
`;

export interface WatchDeps {
  connect: Connect;
  /** The project config's `watch` rules (several folders, glob → job), used when no folder is given. */
  rules?: { value: unknown; base: string; file: string };
  /** Stops the watcher like SIGINT does (for embedding and tests). */
  signal?: AbortSignal;
  /** Where the per-file lines go; default stdout. */
  print?: (line: string) => void;
  /** Where notices go; default stderr. */
  notice?: (line: string) => void;
}

const nonNegativeInt = (value: string | undefined, name: string, min: number): number | undefined => {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new ValidationError(`--${name} must be an integer of at least ${min}, got "${value}"`);
  }
  return n;
};

/** Runs the watcher until SIGINT/SIGTERM (or `deps.signal`); returns the exit code. */
export async function runWatch(argv: string[], deps: WatchDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      job: { type: 'string' },
      input: { type: 'string' },
      out: { type: 'string' },
      stable: { type: 'string' },
      concurrency: { type: 'string' },
      server: { type: 'string' },
      token: { type: 'string' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const notice = deps.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const stableMs = nonNegativeInt(values.stable, 'stable', 0);
  const concurrency = nonNegativeInt(values.concurrency, 'concurrency', 1);
  const folders = foldersFrom(positionals, values, deps.rules, { stableMs, concurrency });
  await checkFolders(folders);

  const runners: FolderRunner[] = [];
  // A second signal while stopping (or while starting up) quits at once: every step is journalled,
  // so that is as safe as a crash. Said first: which files it leaves, and where.
  const now = (signal: NodeJS.Signals) => {
    notice(leftAtOnce(runners.flatMap((runner) => runner.inFlight())));
    // Not process.exit(130): it waits for the worker threads, and one blocked in a system call (a
    // FIFO, a hung network mount) never ends. Dying of the signal itself needs no thread's leave,
    // and tells the shell what a Ctrl+C does (status 128 + its number).
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  };
  // Listen from here on: a signal during start-up and recovery stops cleanly once they are done.
  const stopped = untilStopped(deps.signal).then(() => {
    process.once('SIGINT', now).once('SIGTERM', now);
  });
  try {
    return await watchUntilStopped(deps, values, folders, runners, stopped, notice, print);
  } finally {
    // Only now: closing the engine waits for its threads, which a stuck job can hold.
    process.off('SIGINT', now).off('SIGTERM', now);
  }
}

async function watchUntilStopped(
  deps: WatchDeps,
  values: { server?: string | undefined; token?: string | undefined; 'data-dir'?: string | undefined },
  folders: FolderConfig[],
  runners: FolderRunner[],
  stopped: Promise<void>,
  notice: (line: string) => void,
  print: (line: string) => void,
): Promise<number> {
  const token = values.token ?? process.env.THREADLINE_TOKEN;
  const connection = await deps.connect({
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.server ? { server: values.server } : {}),
    ...(token ? { token } : {}),
  });
  try {
    await checkRules(connection.client, folders);
    const finisher = new Serial();
    for (const folder of folders) {
      const label = folders.length > 1 ? `${folder.label ?? shortPath(folder.path, process.cwd())}: ` : '';
      const runner = new FolderRunner({
        folder,
        client: connection.client,
        finisher,
        show: (path) => shortPath(shortPath(path, folder.path), process.cwd()),
        print: (line) => print(`${label}${line}`),
      });
      runners.push(runner);
      await runner.open();
    }
    for (const runner of runners) await runner.watch();
    for (const folder of folders) {
      const jobs = folder.rules.map((rule) =>
        rule.match === '*' ? rule.job : `${rule.match} → ${rule.job}`,
      );
      notice(`watching ${folder.path} (${jobs.join(', ')}) -> ${shortPath(folder.out, folder.path)}/`);
    }
    const recovered = runners.reduce((sum, runner) => sum + runner.recoveredCount, 0);
    if (recovered > 0) notice(`redoing ${recovered} file(s) a previous run left in processing/`);
    await stopped;
    notice('stopping… (Ctrl+C again quits at once)');
    let left = 0;
    for (const runner of runners) left += await runner.stop();
    if (left > 0) notice(`${left} file(s) left in processing/: they are finished on the next start`);
    return 0;
  } finally {
    for (const runner of runners) await runner.release();
    await connection.close();
  }
}

function foldersFrom(
  positionals: string[],
  values: {
    job?: string | undefined;
    input?: string | undefined;
    out?: string | undefined;
  },
  rules: WatchDeps['rules'],
  overrides: { stableMs?: number | undefined; concurrency?: number | undefined },
): FolderConfig[] {
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  if (positionals.length > 1)
    throw new ValidationError("give one folder (for several, use the config's watch rules)");
  const [folder] = positionals;
  if (folder === undefined) {
    if (values.job || values.input || values.out) {
      throw new ValidationError(
        '--job, --input and --out need a folder: threadline watch <folder> --job <name>',
      );
    }
    if (!rules) {
      throw new ValidationError(
        "give a folder and --job, or folders in the config's watch rules (see threadline watch --help)",
      );
    }
    return foldersFromRules(rules.value, rules, defined);
  }
  if (!values.job) throw new ValidationError('--job is required: threadline watch <folder> --job <name>');
  const path = resolve(folder);
  return [
    {
      path,
      out: values.out ? resolve(values.out) : join(path, 'done'),
      rules: [makeRule({ match: '*', job: values.job, input: parseInputOption(values.input) })],
      stableMs: overrides.stableMs ?? DEFAULT_STABLE_MS,
      concurrency: overrides.concurrency ?? DEFAULT_CONCURRENCY,
    },
  ];
}

/** The line a quit at once leaves: each file in flight and where it is. */
function leftAtOnce(files: { name: string; where: string }[]): string {
  if (files.length === 0) return 'quitting at once: no file was in flight';
  const shown = files.slice(0, 20).map((file) => `  ${file.name}: ${shortPath(file.where, process.cwd())}`);
  const more = files.length > shown.length ? [`  … and ${files.length - shown.length} more`] : [];
  return [
    `quitting at once: ${files.length} file(s) left in flight, finished or redone on the next start:`,
    ...shown,
    ...more,
  ].join('\n');
}

/** `path` relative to `base` when inside it, else as given. */
function shortPath(path: string, base: string): string {
  const rel = relative(base, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    if (signal?.aborted) return resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
}
