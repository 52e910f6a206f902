import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { project, run, tempDir, threadline } from './cli.js';

describe('threadline', () => {
  it('prints help for itself and each command', async () => {
    const dir = tempDir();
    const help = await run(['--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Commands:[\s\S]*run[\s\S]*serve/);
    for (const command of ['run', 'jobs', 'list', 'show', 'serve']) {
      const sub = await run([command, '--help'], dir);
      expect(sub.code, command).toBe(0);
      expect(sub.stdout, command).toContain(`threadline ${command}`);
    }
  });

  it('exits 2 with a one-line message for bad usage', async () => {
    const dir = tempDir();
    expect((await run([], dir)).code).toBe(2);
    const unknown = await run(['frobnicate'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = await run(['run', 'demo.sleep', '--bogus'], dir);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^threadline: unknown option --bogus\nSee: threadline run --help/);
    const json = await run(['run', 'demo.sleep', '--input', '{items:'], dir);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/^threadline: --input is not valid JSON/);
    const job = await run(['run', 'no.such.job'], dir);
    expect(job.code).toBe(2);
    expect(job.stderr).toMatch(/unknown job "no\.such\.job"; known jobs: .*demo\.sleep/);
  });

  it('rejects invalid input naming the field, with exit code 2 and no job recorded', async () => {
    const dir = tempDir();
    const result = await run(['run', 'demo.sleep', '--input', '{"items":"many"}'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^threadline: invalid input for demo\.sleep: items: /);
    expect(result.stderr).not.toContain('    at ');
    expect((await run(['list', '--json'], dir)).stdout.trim()).toBe('[]');
  });

  it('runs a job to the end with one plain progress line a second off a terminal', async () => {
    const dir = tempDir();
    const result = await run(
      ['run', 'demo.sleep', '--input', '{"items":12,"ms":200}', '--pool-size', '2'],
      dir,
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n').filter((l) => /^\d+\/12 items/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(4);
    expect(lines.at(-1)).toMatch(/^12\/12 items \(100\.0%\)/);
    expect(result.stdout).toContain('succeeded: 12 succeeded, 0 failed, 0 cancelled of 12');
  });

  it('exits 1 when every item fails, and names the failures', async () => {
    const dir = tempDir();
    const result = await run(['run', 'demo.sleep', '--input', '{"items":3,"ms":1,"failEvery":1}'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/failed 1: item 1 failed on purpose/);
    expect(result.stderr).toContain('error: all 3 items failed');
    expect(result.stdout).toContain('failed: 0 succeeded, 3 failed');
    expect(result.stdout).not.toContain('item 1 failed on purpose');
  });

  it('exits 3 when some items fail and the rest succeed: partial, with each outcome counted apart', async () => {
    const dir = tempDir();
    const result = await run(['run', 'demo.sleep', '--input', '{"items":12,"ms":1,"failEvery":3}'], dir);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^partial: 8 succeeded, 4 failed, 0 cancelled of 12$/m);
    expect(result.stderr).toMatch(/^error: 4 of 12 items failed; first: item \d+ failed on purpose/m);
    expect(result.stderr.match(/^failed \d+: item \d+ failed on purpose/gm)).toHaveLength(4);
    // Items are counted from 1 wherever a person reads them: the label and the message agree.
    expect(result.stderr).toMatch(/^failed 3: item 3 failed on purpose/m);
    // The history says so too: partial, and 8 of 12, not 12/12.
    const list = await run(['list'], dir);
    expect(list.stdout).toMatch(/demo\.sleep\s+partial\s+8\/12 items, 4 failed /);
    const [job] = JSON.parse((await run(['list', '--json', '--state', 'partial'], dir)).stdout) as {
      id: string;
    }[];
    const show = await run(['show', job!.id], dir);
    expect(show.stdout).toMatch(/^state: +partial — 4 of 12 items failed/m);
    expect(show.stdout).toMatch(/^progress: 8\/12 items, 4 failed \(66\.7%\)$/m);
    expect(show.stdout).toMatch(/^items: +8 succeeded, 4 failed, 0 cancelled of 12$/m);
    expect(show.stdout).toMatch(/^ {2}3: item 3 failed on purpose/m);
  });

  it('fails a job at --max-failures, exiting 1, and refuses a limit that is no count or fraction', async () => {
    const dir = tempDir();
    const input = '{"items":200,"ms":20,"failEvery":3}';
    const result = await run(['run', 'demo.sleep', '--input', input, '--max-failures', '2'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^failed: \d+ succeeded, \d+ failed, \d+ cancelled of 200$/m);
    expect(result.stderr).toMatch(/^error: \d+ of 200 items failed, reaching maxFailures 2; first: /m);
    const [job] = JSON.parse((await run(['list', '--json'], dir)).stdout) as {
      id: string;
      maxFailures: number;
    }[];
    expect(job!.maxFailures).toBe(2);
    expect((await run(['show', job!.id], dir)).stdout).toMatch(/^limit: +maxFailures 2$/m);
    const bad = await run(['run', 'demo.sleep', '--max-failures', '1.5'], dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^threadline: --max-failures must be a count of items .* not "1\.5"/);
  });

  it('prints every event as a JSON line with --json', async () => {
    const dir = tempDir();
    const result = await run(['run', 'demo.sleep', '--input', '{"items":3,"ms":1}', '--json'], dir);
    expect(result.code).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; seq: number; succeeded?: number });
    expect(events[0]!.type).toBe('queued');
    expect(events.at(-1)!.type).toBe('finished');
    // Succeeded items come counted, a tick at a time: `items` events, not one `item` each.
    const succeeded = events.filter((e) => e.type === 'items').reduce((n, e) => n + e.succeeded!, 0);
    expect(succeeded).toBe(3);
    expect(events.filter((e) => e.type === 'item')).toHaveLength(0);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('cancels on Ctrl+C with exit code 130 and records the job as cancelled', async () => {
    const dir = tempDir();
    const running = threadline(['run', 'demo.sleep', '--input', '{"items":200,"ms":200}'], dir);
    await running.waitFor(/items \(/);
    running.child.kill('SIGINT');
    const { code } = await running.exit;
    expect(code).toBe(130);
    expect(running.stdout()).toContain('cancelling… (Ctrl+C again to force)');
    const [job] = JSON.parse((await run(['list', '--json'], dir)).stdout) as { state: string; id: string }[];
    expect(job!.state).toBe('cancelled');
    const show = await run(['show', job!.id], dir);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/state: +cancelled/);
  });

  it('forces a cancel on the second Ctrl+C, stopping a CPU loop that never checks', async () => {
    const dir = tempDir();
    const running = threadline(['run', 'demo.sleep', '--input', '{"items":4,"ms":600000,"cpu":true}'], dir);
    await running.waitFor(/items \(/);
    running.child.kill('SIGINT');
    await running.waitFor(/cancelling…/);
    running.child.kill('SIGINT');
    const { code } = await running.exit;
    expect(code).toBe(130);
    expect(running.stdout()).toContain('forcing cancel…');
  });

  it('shows a job killed with SIGKILL mid-run as interrupted when the store is opened again', async () => {
    const dir = tempDir();
    const running = threadline(['run', 'demo.sleep', '--input', '{"items":100,"ms":200}'], dir);
    await running.waitFor(/items \(/);
    running.child.kill('SIGKILL');
    await running.exit;
    const list = await run(['list', '--json'], dir);
    expect(list.code).toBe(0);
    const [job] = JSON.parse(list.stdout) as { state: string; error: { message: string } }[];
    expect(job!.state).toBe('interrupted');
    expect(job!.error.message).toContain('engine stopped');
  });

  it('lists the definitions with their input fields', async () => {
    const dir = tempDir();
    const result = await run(['jobs'], dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/demo\.sleep — Sleep \(demo\)/);
    expect(result.stdout).toMatch(/items \(integer, default 20\): Number of items/);
    const json = JSON.parse((await run(['jobs', '--json'], dir)).stdout) as {
      name: string;
      inputSchema: object;
    }[];
    expect(json.find((d) => d.name === 'image.scale')!.inputSchema).toHaveProperty('properties');
  });

  it('runs and lists jobs on a running server with --server', async () => {
    const dir = tempDir();
    const serve = threadline(['serve', '--port', '0'], dir);
    await serve.waitFor(/serving (http:\/\/\S+)/);
    const url = /serving (http:\/\/\S+)/.exec(serve.stdout())![1]!;
    const ran = await run(
      ['run', 'demo.sleep', '--server', url, '--input', '{"items":5,"ms":20}'],
      tempDir(),
    );
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('succeeded: 5 succeeded');
    const list = await run(['list', '--server', url, '--json'], tempDir());
    expect((JSON.parse(list.stdout) as { state: string }[]).map((j) => j.state)).toEqual(['succeeded']);
    serve.child.kill('SIGINT');
    expect((await serve.exit).code).toBe(0);
    const gone = await run(['list', '--server', url], tempDir());
    expect(gone.code).toBe(2);
    expect(gone.stderr).toMatch(/^threadline: cannot reach the server at http/);
  });

  it("asks for serve's token on loopback: the printed URL opens the page, the data directory's token file lets the user's commands in", async () => {
    const data = tempDir();
    const serve = threadline(['serve', '--port', '0'], data);
    await serve.waitFor(/serving (http:\/\/\S+)/);
    const printed = /serving (http:\/\/\S+)/.exec(serve.stdout())![1]!;
    const { origin } = new URL(printed);
    const file = join(data, 'token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(printed).toBe(`${origin}/?token=${readFileSync(file, 'utf8').trim()}`);

    // The browser: the URL's token becomes a cookie, and leaves the address bar.
    const landing = await fetch(printed, { redirect: 'manual' });
    expect(landing.status).toBe(302);
    expect(landing.headers.get('location')).toBe('/');
    const setCookie = landing.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly; SameSite=Strict/);
    const page = await fetch(`${origin}/`, { headers: { cookie: setCookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect((await fetch(`${origin}/`)).status).toBe(401);

    // The user's own commands on that data directory need no token on the command line.
    const listed = await run(['list', '--server', origin, '--json'], data);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
    const elsewhere = await run(['list', '--server', origin], tempDir());
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toMatch(
      /^threadline: the server at http:\/\/127\.0\.0\.1:\d+\/ refused without a token: none in \S+token: give its token with --token-file <file> or THREADLINE_TOKEN\n$/,
    );
    const wrong = await run(['list', '--server', origin, '--token', 'nope'], data);
    expect(wrong.stderr).toMatch(/refused the token \(as given\)/);
    const fromFile = await run(['list', '--server', origin, '--token-file', file], tempDir());
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toBe('no jobs\n');
  });

  it('takes the token from THREADLINE_TOKEN on both sides, and serves without one when the config says token: false', async () => {
    const env = { THREADLINE_TOKEN: 'from-the-environment' };
    const serve = threadline(['serve', '--port', '0'], tempDir(), undefined, env);
    await serve.waitFor(/serving (http:\/\/\S+)/);
    const printed = /serving (http:\/\/\S+)/.exec(serve.stdout())![1]!;
    expect(printed).toMatch(/\/\?token=from-the-environment$/);
    const { origin } = new URL(printed);
    const listed = await run(['list', '--server', origin], tempDir(), undefined, env);
    expect(listed.code, listed.stderr).toBe(0);
    serve.child.kill('SIGINT');
    expect((await serve.exit).code).toBe(0);

    const dir = project({
      'threadline.config.json': JSON.stringify({ token: false, dataDir: '.threadline' }),
    });
    const open = threadline(['serve', '--port', '0'], tempDir(), dir);
    await open.waitFor(/no token \(unsafe\)/);
    const url = /serving (http:\/\/\S+)/.exec(open.stdout())![1]!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(open.stdout()).toContain(
      '  no token (unsafe): every user of this machine can run jobs here as you\n',
    );
    expect((await fetch(`${url}trpc/jobs.definitions`)).status).toBe(200);
    const offLoopback = await run(['serve', '--port', '0', '--host', '0.0.0.0'], tempDir(), dir);
    expect(offLoopback.code).toBe(2);
    expect(offLoopback.stderr).toMatch(
      /^threadline: serving 0\.0\.0\.0 without a token would let anyone who can reach it run jobs/,
    );
  });

  it('says no such job for an unknown id', async () => {
    const result = await run(['show', 'j_nope'], tempDir());
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('threadline: no job with id j_nope');
  });
});
