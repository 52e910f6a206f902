// `threadline list` and `threadline show`: the history kept in the store.
import {
  formatItemCounts,
  formatJobCount,
  formatJobProgressLine,
  JOB_STATES,
  type JobSnapshot,
  type JobState,
  NotFoundError,
  ValidationError,
} from '@threadline/core';
import { type HistoryConnect, positiveInt } from '../connect.js';
import { EXIT } from '../exit.js';
import {
  type CommandSpec,
  HELP,
  helpText,
  JSON_OUTPUT,
  type OptionTable,
  parseCommand,
  WHERE,
  whereFrom,
} from '../options.js';

export const LIST = {
  name: 'list',
  synopsis: '[options]',
  description: 'List jobs, newest first.',
  options: {
    state: { type: 'string', value: '<state>', help: `only jobs in this state (${JOB_STATES.join(', ')})` },
    name: { type: 'string', value: '<job>', help: 'only jobs of this definition' },
    limit: { type: 'string', value: '<n>', help: 'at most n jobs (default 20)' },
    before: { type: 'string', value: '<id>', help: 'jobs older than this one (paging)' },
    json: JSON_OUTPUT,
    ...WHERE,
    help: HELP,
  },
} as const satisfies CommandSpec<OptionTable>;

export const SHOW = {
  name: 'show',
  synopsis: '<job-id> [options]',
  description: 'Show one job: its state, progress, summary, failed items and logs.',
  positionals: true,
  options: { json: JSON_OUTPUT, ...WHERE, help: HELP },
} as const satisfies CommandSpec<OptionTable>;

const time = (ms: number | null) =>
  ms === null ? '-' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

function row(job: JobSnapshot): string {
  // Failed and cancelled items apart: a partial job is not "12/12".
  const progress = formatJobCount(job);
  return [
    job.id.padEnd(22),
    job.name.padEnd(16),
    job.state.padEnd(11),
    progress.padEnd(20),
    time(job.createdAt),
  ].join(' ');
}

export async function runList(argv: string[], deps: { history: HistoryConnect }): Promise<number> {
  const { values } = parseCommand(argv, LIST);
  if (values.help) {
    console.log(helpText(LIST));
    return EXIT.ok;
  }
  if (values.state && !JOB_STATES.includes(values.state as JobState)) {
    throw new ValidationError(`--state must be one of ${JOB_STATES.join(', ')}, got "${values.state}"`);
  }
  const connection = await deps.history(whereFrom(values));
  try {
    const jobs = await connection.client.list({
      limit: positiveInt(values.limit, 'limit') ?? 20,
      ...(values.state ? { state: values.state as JobState } : {}),
      ...(values.name ? { name: values.name } : {}),
      ...(values.before ? { before: values.before } : {}),
    });
    if (values.json) console.log(JSON.stringify(jobs, null, 2));
    else if (jobs.length === 0) console.log('no jobs');
    else {
      console.log(
        ['ID'.padEnd(22), 'JOB'.padEnd(16), 'STATE'.padEnd(11), 'PROGRESS'.padEnd(20), 'CREATED'].join(' '),
      );
      for (const job of jobs) console.log(row(job));
    }
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}

export async function runShow(argv: string[], deps: { history: HistoryConnect }): Promise<number> {
  const { values, positionals } = parseCommand(argv, SHOW);
  if (values.help) {
    console.log(helpText(SHOW));
    return EXIT.ok;
  }
  const [id, ...extra] = positionals;
  if (!id || extra.length) throw new ValidationError('give exactly one job id (see threadline list)');
  const connection = await deps.history(whereFrom(values));
  try {
    const details = await connection.client.details(id);
    if (!details) throw new NotFoundError(`no job with id ${id}`);
    if (values.json) {
      console.log(JSON.stringify(details, null, 2));
      return EXIT.ok;
    }
    const { job, failures, logs } = details;
    console.log(`${job.title} (${job.name}) — ${job.id}`);
    console.log(`state:    ${job.state}${job.error ? ` — ${job.error.message}` : ''}`);
    if (job.maxFailures !== undefined) console.log(`limit:    maxFailures ${job.maxFailures}`);
    if (job.resumeOf) console.log(`resumes:  ${job.resumeOf} (its succeeded items were not run again)`);
    if (job.resumedAs) console.log(`resumed:  as ${job.resumedAs}`);
    else if (job.state === 'interrupted') console.log(`resume:   threadline resume ${job.id}`);
    console.log(
      `created:  ${time(job.createdAt)}   started: ${time(job.startedAt)}   finished: ${time(job.finishedAt)}`,
    );
    console.log(`progress: ${formatJobProgressLine(job)}`);
    console.log(`items:    ${formatItemCounts(job.items)}`);
    console.log(`input:    ${JSON.stringify(job.input)}`);
    if (job.summary !== null) console.log(`summary:  ${JSON.stringify(job.summary, null, 2)}`);
    if (failures.length)
      console.log(
        `failed items:\n${failures.map((f) => `  ${f.label ?? `#${f.index + 1}`}: ${f.error?.message}`).join('\n')}`,
      );
    if (logs.length) console.log(`logs:\n${logs.map((l) => `  [${l.level}] ${l.message}`).join('\n')}`);
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
