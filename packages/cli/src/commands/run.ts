// `threadline run`: start one job (or a periodic schedule), show it until it
// ends, and exit with its outcome. Ctrl+C cancels; a second Ctrl+C forces.
import { readFileSync } from 'node:fs';
import { type Connect, ValidationError } from '@threadline/core';
import { maxFailuresProblem } from '@threadline/core/internal';
import { positiveInt } from '../connect.js';
import { EXIT } from '../exit.js';
import { followFooter, followJob } from '../follow.js';
import {
  type CommandSpec,
  FOLLOW,
  HELP,
  helpText,
  type OptionTable,
  POOL_SIZE,
  parseCommand,
  WHERE,
  whereFrom,
} from '../options.js';

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
    ...FOLLOW,
    ...WHERE,
    help: HELP,
  },
  footer: followFooter('bad usage or invalid input'),
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

function readMaxFailures(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const problem = maxFailuresProblem(Number(value));
  if (problem) throw new ValidationError(`--max-failures ${problem.replace(/not .*$/, `not "${value}"`)}`);
  return Number(value);
}

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
    return await followJob(connection.client, job, {
      json: values.json ?? false,
      quiet: values.quiet ?? false,
      heading: `${job.title} (${job.name}) — job ${job.id}`,
    });
  } finally {
    await connection.close();
  }
}
