// `threadline schedules`: the schedules of periodic jobs (`run --every`), listed
// with their next run, how their last finished run ended, and their latest run
// while it waits or runs; and `pause`, `resume` or `remove` one of them.
import {
  type Connect,
  formatClock,
  formatLastRun,
  formatNextRun,
  isActive,
  type JobClient,
  type JobState,
  NotFoundError,
  type ScheduleInfo,
  ValidationError,
} from '@threadline/core';
import { didYouMean } from '@threadline/core/internal';
import { EXIT, UsageError } from '../exit.js';
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

export const SCHEDULES = {
  name: 'schedules',
  synopsis: '[pause|resume|remove <schedule-id>...] [options]',
  description: `List the schedules of periodic jobs (made by \`threadline run <job> --every 5m\`):
each one's job, period, next run, how its last finished run ended and when (with
its job, for \`threadline show\`), and its latest run while it waits or runs.
\`pause\` stops its runs until \`resume\` (a run waiting its time is dropped, one
that runs goes on); \`remove\` ends the schedule (its runs stay in the history).`,
  positionals: true,
  options: {
    json: {
      ...JSON_OUTPUT,
      help: 'print the schedules as JSON (with pause, resume or remove: each one changed, a line each)',
    },
    ...WHERE,
    help: HELP,
  },
  footer: `Over --redis (BullMQ) a schedule is listed and removed, but pause and resume are
refused: the deployment keeps no paused flag yet.
Exit codes: 0 done, 2 bad usage, an unknown schedule id, or a refusal.`,
} as const satisfies CommandSpec<OptionTable>;

const ACTIONS = ['pause', 'resume', 'remove'] as const;
type Action = (typeof ACTIONS)[number];

/** `in 4m12s (14:03:12)`, `due now`, or `paused`. */
export function nextRunText(schedule: ScheduleInfo, now: number = Date.now()): string {
  const countdown = formatNextRun(schedule, now);
  return schedule.nextRunAt === null || schedule.paused
    ? countdown
    : `${countdown} (${formatClock(schedule.nextRunAt, now)})`;
}

const describe = (s: ScheduleInfo) => `${s.title} (${s.name}) every ${s.every}`;

/** `succeeded · 2m ago (j_…)`, or `none yet`: the schedule's last finished run. */
export function lastRunText(schedule: ScheduleInfo, now: number = Date.now()): string {
  const text = formatLastRun(schedule.lastFinished, now);
  return schedule.lastFinished ? `${text} (${schedule.lastFinished.jobId})` : text;
}

/** The state of each schedule's latest run: one `get` each, asked together. */
async function lastRunStates(client: JobClient, schedules: ScheduleInfo[]): Promise<Map<string, JobState>> {
  const states = new Map<string, JobState>();
  await Promise.all(
    schedules.map(async ({ lastJobId }) => {
      const job = lastJobId ? await client.get(lastJobId).catch(() => undefined) : undefined;
      if (job) states.set(job.id, job.state);
    }),
  );
  return states;
}

async function list(client: JobClient, json: boolean): Promise<void> {
  const schedules = await client.schedules();
  if (json) {
    console.log(JSON.stringify(schedules, null, 2));
    return;
  }
  if (schedules.length === 0) {
    console.log('no schedules; make one with: threadline run <job> --every 5m');
    return;
  }
  const states = await lastRunStates(client, schedules);
  const now = Date.now();
  // The latest run while it waits or runs; one that ended is the last run (or, dropped by a pause, never ran).
  const latestRun = ({ lastJobId }: ScheduleInfo) => {
    const state = lastJobId ? states.get(lastJobId) : undefined;
    return lastJobId && (state === undefined || isActive(state))
      ? `${lastJobId} ${state ?? ''}`.trimEnd()
      : '-';
  };
  const rows = schedules.map((s) => [
    s.id,
    s.name,
    s.every,
    nextRunText(s, now),
    lastRunText(s, now),
    latestRun(s),
  ]);
  const header = ['ID', 'JOB', 'EVERY', 'NEXT RUN', 'LAST RUN', 'LATEST RUN'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows])
    console.log(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    );
}

async function act(client: JobClient, action: Action, id: string, json: boolean): Promise<void> {
  if (action === 'remove') {
    // removeSchedule answers nothing: what it removes is read first, to say what it was.
    const schedule = (await client.schedules()).find((s) => s.id === id);
    if (!schedule) throw new NotFoundError(`no schedule with id ${id}`);
    await client.removeSchedule(id);
    if (json) {
      console.log(JSON.stringify(schedule));
      return;
    }
    const last = schedule.lastJobId ? await client.get(schedule.lastJobId) : undefined;
    const run =
      last?.state === 'running' || last?.state === 'cancelling'
        ? `; its run ${last.id} goes on to its end`
        : '';
    console.log(`removed ${id}: ${describe(schedule)}${run}; its runs stay in the history`);
    return;
  }
  const schedule = await (action === 'pause' ? client.pauseSchedule(id) : client.resumeSchedule(id));
  if (json) {
    console.log(JSON.stringify(schedule));
    return;
  }
  console.log(
    action === 'pause'
      ? `paused ${id}: ${describe(schedule)}; no more runs until threadline schedules resume ${id}`
      : `resumed ${id}: ${describe(schedule)}; next run ${nextRunText(schedule)}`,
  );
}

export async function runSchedules(argv: string[], deps: { connect: Connect }): Promise<number> {
  const { values, positionals } = parseCommand(argv, SCHEDULES);
  if (values.help) {
    console.log(helpText(SCHEDULES));
    return EXIT.ok;
  }
  const [word, ...ids] = positionals;
  let action: Action | undefined;
  if (word !== undefined) {
    if (!(ACTIONS as readonly string[]).includes(word))
      throw new UsageError(
        `unknown subcommand "${word}"${didYouMean(word, ACTIONS)}\nSee: threadline schedules --help`,
      );
    action = word as Action;
    if (ids.length === 0)
      throw new ValidationError(`give the id of the schedule to ${action} (see threadline schedules)`);
  }
  const connection = await deps.connect({ ...whereFrom(values), poolSize: 1 });
  try {
    if (action) for (const id of ids) await act(connection.client, action, id, values.json ?? false);
    else await list(connection.client, values.json ?? false);
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
