// `threadline run`: start one job (or a periodic schedule), show it until it
// ends, and exit with its outcome. Ctrl+C cancels; a second Ctrl+C forces.
import { readFileSync } from 'node:fs';
import {
  type Connect,
  formatItemCounts,
  type JobClient,
  type JobEvent,
  type JobSnapshot,
  type JobState,
  maxFailuresProblem,
  ValidationError,
} from '@threadline/core';
import { positiveInt } from '../connect.js';
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
import { type ProgressView, plainView, quietView, terminalView } from '../render.js';

export const RUN = {
  name: 'run',
  synopsis: '<job-name|path> [options]',
  description: 'Run a job and show its progress until it ends.',
  positionals: true,
  options: {
    input: { type: 'string', value: '<json>', help: "the job's input as JSON (default {})" },
    'input-file': { type: 'string', value: '<file>', help: 'read the input from a JSON file' },
    every: { type: 'string', value: '<duration>', help: 'run periodically (30s, 5m, 1h) until cancelled' },
    'max-failures': {
      type: 'string',
      value: '<n>',
      help: 'fail the job once n items failed, or this share of them (0.1)',
    },
    'pool-size': POOL_SIZE,
    json: { type: 'boolean', help: 'print every event as one JSON line' },
    quiet: { type: 'boolean', short: 'q', help: 'print only failures and the outcome' },
    ...WHERE,
    help: HELP,
  },
  footer: `Progress and results go to stdout; failed items and errors to stderr. When stdout is
closed (\`| head\`), the job still runs to its end and the exit code says how it ended.
Ctrl+C cancels the job (its items stop at their next check); a second Ctrl+C forces it.
Exit codes: 0 succeeded, 3 partial (it ran to its end, some items failed), 1 failed,
130 cancelled, 2 bad usage or invalid input.`,
} as const satisfies CommandSpec<OptionTable>;

function readInput(values: { input?: string | undefined; 'input-file'?: string | undefined }): unknown {
  if (values.input !== undefined && values['input-file'] !== undefined) {
    throw new ValidationError('give --input or --input-file, not both');
  }
  const [source, text] =
    values['input-file'] !== undefined
      ? [values['input-file'], readInputFile(values['input-file'])]
      : ['--input', values.input ?? '{}'];
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`${source} is not valid JSON: ${(error as Error).message}`);
  }
}

function readInputFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new ValidationError(
      `cannot read --input-file ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/** A job that ran to its end with some items failed: neither a success (0) nor a failure (1). */
const EXIT_PARTIAL = 3;

function readMaxFailures(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const problem = maxFailuresProblem(Number(value));
  if (problem) throw new ValidationError(`--max-failures ${problem.replace(/not .*$/, `not "${value}"`)}`);
  return Number(value);
}

const exitCodeOf = (state: JobState): number => {
  if (state === 'succeeded') return EXIT.ok;
  if (state === 'partial') return EXIT_PARTIAL;
  return state === 'cancelled' ? EXIT.cancelled : EXIT.failed;
};

export async function runRun(argv: string[], deps: { connect: Connect }): Promise<number> {
  const { values, positionals } = parseCommand(argv, RUN);
  if (values.help) {
    console.log(helpText(RUN));
    return EXIT.ok;
  }
  const [ref, ...extra] = positionals;
  if (!ref || extra.length)
    throw new ValidationError('give exactly one job name or path (see threadline run --help)');
  const input = readInput(values);
  const poolSize = positiveInt(values['pool-size'], 'pool-size');
  const connection = await deps.connect({ ...whereFrom(values), ...(poolSize ? { poolSize } : {}) });
  try {
    const maxFailures = readMaxFailures(values['max-failures']);
    const job = await connection.client.start(ref, input, {
      ...(values.every ? { every: values.every } : {}),
      ...(maxFailures !== undefined ? { maxFailures } : {}),
    });
    return await follow(connection.client, job, { json: values.json ?? false, quiet: values.quiet ?? false });
  } finally {
    await connection.close();
  }
}

/** Shows a job (and, for a schedule, each of its runs) until it ends; returns the exit code. */
async function follow(
  client: JobClient,
  first: JobSnapshot,
  options: { json: boolean; quiet: boolean },
): Promise<number> {
  const out = process.stdout;
  const view: ProgressView = options.json
    ? { progress() {}, line() {}, outcome() {}, problem() {}, end() {} }
    : options.quiet
      ? quietView(out)
      : out.isTTY
        ? terminalView(out, first.unit)
        : plainView(out, first.unit);
  let current = first.id;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    const force = interrupts > 1 || signal === 'SIGTERM';
    if (!options.json) view.line(force ? 'forcing cancel…' : 'cancelling… (Ctrl+C again to force)');
    client.cancel(current, { reason: `${signal} from the terminal`, force }).catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (!options.json) view.line(`${first.title} (${first.name}) — job ${first.id}`);
    for (;;) {
      const state = await followOne(client, current, view, options.json);
      // A schedule goes on to its next run until it is cancelled.
      const next =
        first.scheduleId && state !== 'cancelled' && interrupts === 0
          ? (await client.list({ state: 'queued', name: first.name })).find(
              (j) => j.scheduleId === first.scheduleId,
            )
          : undefined;
      if (!next) return exitCodeOf(state);
      current = next.id;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function followOne(
  client: JobClient,
  jobId: string,
  view: ProgressView,
  json: boolean,
): Promise<JobState> {
  for await (const event of client.events({ jobId, after: 0 })) {
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else show(view, event);
    if (event.type === 'finished') return event.state;
  }
  throw new Error(`the event stream of job ${jobId} ended before the job did`);
}

function show(view: ProgressView, event: JobEvent): void {
  switch (event.type) {
    case 'queued':
      if (event.job.runAt) view.line(`next run at ${new Date(event.job.runAt).toLocaleTimeString()}`);
      return;
    case 'progress':
      view.progress(event.progress);
      return;
    case 'item':
      if (event.outcome === 'failed')
        view.problem(`failed ${event.label ?? `item ${event.index}`}: ${event.error?.message}`);
      return;
    case 'log':
      if (event.level === 'error' || event.level === 'warn')
        view.problem(`[${event.level}] ${event.message}`);
      else view.line(`[${event.level}] ${event.message}`);
      return;
    case 'finished': {
      view.end();
      view.outcome(`${event.state}: ${formatItemCounts(event.items)}`);
      if (event.error) view.problem(`error: ${event.error.message}`);
      if (event.summary !== null && event.summary !== undefined)
        view.outcome(JSON.stringify(event.summary, null, 2));
      return;
    }
    default:
      return;
  }
}
