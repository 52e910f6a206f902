// `threadline watch`, once the CLI has parsed its options: checks everything
// before a file moves, then runs one FolderRunner per folder until SIGINT or
// SIGTERM.
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type Connect, type ConnectOptions, ValidationError } from '@threadline/core';
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

/** What `threadline watch` was told (the CLI parses its flags with every command's). */
export interface WatchOptions {
  /** The folder to watch for `job`; without it, the folders of the config's `watch` rules. */
  folder?: string;
  job?: string;
  /** The job's input as JSON, with {{file}} {{dir}} {{out}} {{name}} {{stem}} {{ext}} in its strings. */
  input?: string;
  /** Where results go; default <folder>/done. */
  out?: string;
  /** How long a file must stay unchanged before it is taken (default DEFAULT_STABLE_MS). */
  stableMs?: number;
  /** Files in work at once, per folder (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Where the jobs run: `deps.connect`'s options. */
  where?: ConnectOptions;
}

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

/** Runs the watcher until SIGINT/SIGTERM (or `deps.signal`); returns the exit code. */
export async function runWatch(options: WatchOptions, deps: WatchDeps): Promise<number> {
  const print = deps.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const notice = deps.notice ?? ((line: string) => process.stderr.write(`${line}\n`));
  const folders = foldersFrom(options, deps.rules);
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
    return await watchUntilStopped(deps, options.where ?? {}, folders, runners, stopped, notice, print);
  } finally {
    // Only now: closing the engine waits for its threads, which a stuck job can hold.
    process.off('SIGINT', now).off('SIGTERM', now);
  }
}

async function watchUntilStopped(
  deps: WatchDeps,
  where: ConnectOptions,
  folders: FolderConfig[],
  runners: FolderRunner[],
  stopped: Promise<void>,
  notice: (line: string) => void,
  print: (line: string) => void,
): Promise<number> {
  const connection = await deps.connect(where);
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

function foldersFrom(options: WatchOptions, rules: WatchDeps['rules']): FolderConfig[] {
  const { folder, stableMs, concurrency } = options;
  if (folder === undefined) {
    if (options.job || options.input || options.out) {
      throw new ValidationError(
        '--job, --input and --out need a folder: threadline watch <folder> --job <name>',
      );
    }
    if (!rules) {
      throw new ValidationError(
        "give a folder and --job, or folders in the config's watch rules (see threadline watch --help)",
      );
    }
    const overrides = {
      ...(stableMs !== undefined ? { stableMs } : {}),
      ...(concurrency !== undefined ? { concurrency } : {}),
    };
    return foldersFromRules(rules.value, rules, overrides);
  }
  if (!options.job) throw new ValidationError('--job is required: threadline watch <folder> --job <name>');
  const path = resolve(folder);
  return [
    {
      path,
      out: options.out ? resolve(options.out) : join(path, 'done'),
      rules: [makeRule({ match: '*', job: options.job, input: parseInputOption(options.input) })],
      stableMs: stableMs ?? DEFAULT_STABLE_MS,
      concurrency: concurrency ?? DEFAULT_CONCURRENCY,
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
