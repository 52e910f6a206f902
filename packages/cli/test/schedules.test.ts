// `threadline schedules`: the schedules `run --every` makes, listed, paused,
// resumed and removed from another shell, by the built command as a user types
// it: attached to the engine that owns the data directory, and with no engine
// up (the schedule lives in the store); over BullMQ too.
import { type RedisServer, startRedis } from '@threadline/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Running, run, tempDir, threadline } from './cli.js';

const redisServers: RedisServer[] = [];
afterEach(async () => {
  for (const redis of redisServers.splice(0)) await redis.close();
});

interface Listed {
  id: string;
  name: string;
  title: string;
  every: string;
  paused: boolean;
  nextRunAt: number | null;
  lastJobId: string | null;
  lastFinished: { jobId: string; state: string; finishedAt: number; items: Record<string, number> } | null;
}

/** How the text listing says a run that succeeded a moment ago. */
const succeededJustNow = (jobId: string) =>
  new RegExp(`^succeeded · (just now|\\d+[sm] ago) \\(${jobId}\\)$`);

const ONE_RUN = ['demo.sleep', '--input', '{"items":2,"ms":1}', '--every', '1h'];

/** `run --every 1h` in the background, once its first run has ended and its next one waits. */
async function scheduled(dir: string, where: string[] = []): Promise<Running> {
  const owner = threadline(['run', ...ONE_RUN, ...where], dir);
  await owner.waitFor(/^next run at /m);
  return owner;
}

async function listed(dir: string, where: string[] = []): Promise<Listed[]> {
  const result = await run(['schedules', '--json', ...where], dir);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Listed[];
}

/** The text listing's row for `id`, split at its column gaps. */
async function row(dir: string, id: string, where: string[] = []): Promise<string[]> {
  const result = await run(['schedules', ...where], dir);
  expect(result.code, result.stderr).toBe(0);
  const lines = result.stdout.trimEnd().split('\n');
  expect(lines[0]).toMatch(/^ID\s+JOB\s+EVERY\s+NEXT RUN\s+LAST RUN\s+LATEST RUN$/);
  const line = lines.find((l) => l.startsWith(id));
  expect(line, result.stdout).toBeDefined();
  return line!.split(/ {2,}/);
}

describe('threadline schedules', () => {
  it('lists, pauses, resumes and removes a schedule from another shell, attached to the engine that owns the data directory', async () => {
    const dir = tempDir();
    // The owner is serve; run --every attaches to it, so its schedule is the server's.
    const server = threadline(['serve', '--port', '0'], dir);
    await server.waitFor(/serving http:\/\//);
    const follower = await scheduled(dir);
    expect(follower.stderr()).toContain('attached to the engine already running');

    const [schedule] = await listed(dir);
    expect(schedule).toMatchObject({ name: 'demo.sleep', title: 'Sleep (demo)', every: '1h', paused: false });
    const firstRun = (await run(['list', '--json', '--state', 'succeeded'], dir)).stdout;
    const [first] = JSON.parse(firstRun) as { id: string }[];
    // Its latest run is the next one, waiting its time, an hour after the first started.
    const waiting = schedule!.lastJobId!;
    expect(waiting).not.toBe(first!.id);
    expect(schedule!.nextRunAt! - Date.now()).toBeGreaterThan(58 * 60_000);
    // How the first run ended, from --json as the page and the TUI read it.
    expect(schedule!.lastFinished).toMatchObject({
      jobId: first!.id,
      state: 'succeeded',
      items: { succeeded: 2, failed: 0, cancelled: 0 },
    });

    const text = await run(['schedules'], dir);
    expect(text.stderr).toBe(`threadline: attached to the engine already running on ${dir}\n`);
    const [id, job, every, next, last, latest] = await row(dir, schedule!.id);
    expect([id, job, every]).toEqual([schedule!.id, 'demo.sleep', '1h']);
    expect(next).toMatch(/^in 59m\d\ds \(.+\)$/);
    expect(next).toContain(new Date(schedule!.nextRunAt!).toLocaleTimeString());
    expect(last).toMatch(succeededJustNow(first!.id));
    expect(latest).toBe(`${waiting} queued`);

    const paused = await run(['schedules', 'pause', schedule!.id], dir);
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toBe(
      `paused ${schedule!.id}: Sleep (demo) (demo.sleep) every 1h; no more runs until threadline schedules resume ${schedule!.id}\n`,
    );
    expect((await listed(dir))[0]).toMatchObject({ paused: true, nextRunAt: null });
    // Pausing dropped the waiting run, which never ran: paused, the last run still the first, none latest.
    const [pausedNext, pausedLast, pausedLatest] = (await row(dir, schedule!.id)).slice(3);
    expect([pausedNext, pausedLatest]).toEqual(['paused', '-']);
    expect(pausedLast).toMatch(succeededJustNow(first!.id));
    expect((await listed(dir))[0]!.lastFinished?.jobId).toBe(first!.id);

    const resumed = await run(['schedules', 'resume', schedule!.id, '--json'], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    const after = JSON.parse(resumed.stdout) as Listed;
    expect(after).toMatchObject({ id: schedule!.id, paused: false });
    // The next run is due a period after the last started, as before the pause.
    expect(after.nextRunAt).toBe(schedule!.nextRunAt);
    expect(after.lastJobId).not.toBe(waiting);
    expect((await row(dir, schedule!.id))[3]).toMatch(/^in 59m\d\ds /);

    const removed = await run(['schedules', 'remove', schedule!.id], dir);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toBe(
      `removed ${schedule!.id}: Sleep (demo) (demo.sleep) every 1h; its runs stay in the history\n`,
    );
    expect(await listed(dir)).toEqual([]);
    const empty = await run(['schedules'], dir);
    expect(empty.stdout).toBe('no schedules; make one with: threadline run <job> --every 5m\n');
    // Its runs are kept: the first that succeeded and the two that waited, dropped.
    const states = (JSON.parse((await run(['list', '--json'], dir)).stdout) as { state: string }[]).map(
      (j) => j.state,
    );
    expect(states.sort()).toEqual(['cancelled', 'cancelled', 'succeeded']);

    // An id the server does not know is one line over the socket too, exit 2.
    for (const action of ['pause', 'resume', 'remove']) {
      const unknown = await run(['schedules', action, schedule!.id], dir);
      expect(unknown.code, action).toBe(2);
      expect(unknown.stderr, action).toBe(
        `threadline: attached to the engine already running on ${dir}\nthreadline: no schedule with id ${schedule!.id}\n`,
      );
    }
    server.child.kill('SIGTERM');
    expect((await server.exit).code).toBe(0);
  });

  it('finds a schedule in the store when no engine runs, and pauses, resumes and removes it there', async () => {
    const dir = tempDir();
    const owner = await scheduled(dir);
    // The engine goes away with its schedule's next run waiting: the store keeps both.
    owner.child.kill('SIGKILL');
    await owner.exit;

    const [schedule] = await listed(dir);
    expect(schedule).toMatchObject({ name: 'demo.sleep', every: '1h', paused: false });
    const list = await run(['schedules'], dir);
    expect(list.stderr).toBe('');
    const [next, last, latest] = (await row(dir, schedule!.id)).slice(3);
    expect(next).toMatch(/^in 59m\d\ds /);
    // Read from the store: the first run's end, and the next run waiting in it.
    expect(last).toMatch(succeededJustNow(schedule!.lastFinished!.jobId));
    expect(latest).toBe(`${schedule!.lastJobId} queued`);

    const paused = await run(['schedules', 'pause', schedule!.id, '--json'], dir);
    expect(paused.code, paused.stderr).toBe(0);
    expect(JSON.parse(paused.stdout)).toMatchObject({ id: schedule!.id, paused: true, nextRunAt: null });
    expect((await row(dir, schedule!.id))[3]).toBe('paused');

    const resumed = await run(['schedules', 'resume', schedule!.id], dir);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(
        `^resumed ${schedule!.id}: Sleep \\(demo\\) \\(demo\\.sleep\\) every 1h; next run in 59m\\d\\ds \\(.+\\)\\n$`,
      ),
    );
    expect((await listed(dir))[0]).toMatchObject({ paused: false, nextRunAt: schedule!.nextRunAt });

    const removed = await run(['schedules', 'remove', schedule!.id, '--json'], dir);
    expect(removed.code, removed.stderr).toBe(0);
    expect(JSON.parse(removed.stdout)).toMatchObject({ id: schedule!.id, name: 'demo.sleep' });
    expect(await listed(dir)).toEqual([]);
  });

  it('lists and removes a schedule over BullMQ, where pause and resume are refused in one line', async () => {
    const redis = await startRedis();
    redisServers.push(redis);
    const where = ['--redis', redis.url];
    const dir = tempDir();
    const worker = threadline(['worker', ...where, '--pool-size', '1'], dir);
    await worker.waitFor(/threads, taking items/);
    await scheduled(dir, where);

    const [schedule] = await listed(dir, where);
    expect(schedule).toMatchObject({ name: 'demo.sleep', every: '1h', paused: false });
    const [, job, every, next, last, latest] = await row(dir, schedule!.id, where);
    expect([job, every]).toEqual(['demo.sleep', '1h']);
    expect(next).toMatch(/^in 59m\d\ds /);
    expect(schedule!.lastFinished).toMatchObject({ state: 'succeeded', items: { succeeded: 2, failed: 0 } });
    expect(last).toMatch(succeededJustNow(schedule!.lastFinished!.jobId));
    expect(latest).toBe(`${schedule!.lastJobId} queued`);

    for (const action of ['pause', 'resume']) {
      const refused = await run(['schedules', action, schedule!.id, ...where], dir);
      expect(refused.code, action).toBe(2);
      expect(refused.stderr, action).toMatch(
        new RegExp(
          `^threadline: ${action === 'pause' ? 'pausing' : 'resuming'} a schedule is not available on the BullMQ backend yet: .*\\n$`,
        ),
      );
    }
    const removed = await run(['schedules', 'remove', schedule!.id, ...where], dir);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(
      new RegExp(`^removed ${schedule!.id}: Sleep \\(demo\\) \\(demo\\.sleep\\) every 1h;`),
    );
    expect(await listed(dir, where)).toEqual([]);
    worker.child.kill('SIGINT');
    expect((await worker.exit).code).toBe(0);
  });

  it('says what went wrong in one line with exit code 2, and how to make a schedule when there is none', async () => {
    const dir = tempDir();
    const empty = await run(['schedules'], dir);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toBe('no schedules; make one with: threadline run <job> --every 5m\n');
    expect((await run(['schedules', '--json'], dir)).stdout.trim()).toBe('[]');

    const cases: [string[], string][] = [
      [
        ['schedules', 'pasue', 's_x'],
        'threadline: unknown subcommand "pasue" (did you mean "pause"?)\nSee: threadline schedules --help\n',
      ],
      [['schedules', 'list'], 'threadline: unknown subcommand "list"\nSee: threadline schedules --help\n'],
      [
        ['schedules', 'pause'],
        'threadline: give the id of the schedule to pause (see threadline schedules)\n',
      ],
      [['schedules', 'remove', 's_nope'], 'threadline: no schedule with id s_nope\n'],
      [['schedules', 'resume', 's_nope'], 'threadline: no schedule with id s_nope\n'],
      [
        ['schedules', '--jsn'],
        'threadline: unknown option --jsn (did you mean --json?)\nSee: threadline schedules --help\n',
      ],
    ];
    for (const [args, stderr] of cases) {
      const result = await run(args, dir);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toBe(stderr);
      expect(result.stdout, args.join(' ')).toBe('');
    }
  });

  it('has help of its own, also as threadline help schedules, and a line in threadline --help', async () => {
    const dir = tempDir();
    const help = await run(['schedules', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: threadline schedules \[pause\|resume\|remove <schedule-id>\.\.\.\]/);
    expect(help.stdout).toContain('threadline run <job> --every 5m');
    for (const flag of ['--json', '--data-dir <dir>', '--server <url>', '--redis <url>'])
      expect(help.stdout).toContain(flag);
    expect((await run(['help', 'schedules'], dir)).stdout).toBe(help.stdout);
    expect((await run(['--help'], dir)).stdout).toMatch(
      /^ {2}schedules {2}list the schedules of periodic jobs; pause, resume or remove one$/m,
    );
  });
});
