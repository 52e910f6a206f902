// The command line as people type it: typos get a suggestion, help is where
// they look for it, and a pipe that closes early is not an error.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { run, tempDir } from './cli.js';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs `threadline <args> | head -n <lines>` in bash; returns threadline's own exit code and what head let through. */
async function piped(args: string, lines: number, dataDir: string) {
  const script = `node ${JSON.stringify(MAIN)} ${args} | head -n ${lines}; exit \${PIPESTATUS[0]}`;
  try {
    const { stdout, stderr } = await promisify(execFile)('bash', ['-c', script], {
      env: { ...process.env, THREADLINE_DATA_DIR: dataDir },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the command line', () => {
  it('suggests the command, option or job that was meant', async () => {
    const dir = tempDir();
    const command = await run(['lst'], dir);
    expect(command.code).toBe(2);
    expect(command.stderr).toBe(
      'threadline: unknown command "lst" (did you mean "list"?)\nSee: threadline --help\n',
    );
    const option = await run(['run', 'demo.sleep', '--inptu', '{}'], dir);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/^threadline: unknown option --inptu \(did you mean --input\?\)/);
    const job = await run(['run', 'demo.slep'], dir);
    expect(job.code).toBe(2);
    expect(job.stderr).toMatch(/unknown job "demo\.slep" \(did you mean "demo\.sleep"\?\)/);
    const key = await run(['run', 'demo.sleep', '--input', '{"itemz":3}'], dir);
    expect(key.code).toBe(2);
    expect(key.stderr).toMatch(/itemz: unknown key \(did you mean "items"\?\)/);
    expect((await run(['list', '--json'], dir)).stdout.trim()).toBe('[]');
  });

  it('answers help <command>, -V and --version', async () => {
    const dir = tempDir();
    const help = await run(['help', 'run'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: threadline run <job-name\|path>/);
    expect(help.stdout).toContain('--quiet');
    for (const flag of ['-V', '-v', '--version']) {
      const version = await run([flag], dir);
      expect(version.stdout.trim(), flag).toMatch(/^\d+\.\d+\.\d+/);
    }
  });

  it('parses tui with the same table as every command: help from it, one-line refusals', async () => {
    const dir = tempDir();
    const help = await run(['tui', '--help'], dir);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: threadline tui \[options\]/);
    expect(help.stdout).toContain('--token-file <file>');
    expect(help.stdout).toContain('? every key');
    for (const [args, said] of [
      [['tui', '--bogus'], /unknown option --bogus/],
      [['tui', 'extra'], /extra/],
      [['tui', '--server', 'not a url'], /--server needs a URL/],
      [['tui', '--server', 'http://x', '--data-dir', 'd'], /--server and --data-dir cannot be used together/],
      [['tui', '--sever', 'http://x'], /did you mean --server/],
    ] as const) {
      const result = await run([...args], dir);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(said);
      expect(result.stderr).not.toMatch(/^\s+at /m);
    }
  });

  it('parses serve and watch with the same table as every command: help from it, one-line refusals', async () => {
    const dir = tempDir();
    const serve = await run(['serve', '--help'], dir);
    expect(serve.code).toBe(0);
    expect(serve.stdout).toMatch(/^Usage: threadline serve \[options\]/);
    expect(serve.stdout).toMatch(/--allow <dir>/);
    expect(serve.stdout).toContain('--pool-size <n>');
    const watch = await run(['watch', '--help'], dir);
    expect(watch.code).toBe(0);
    expect(watch.stdout).toMatch(/^Usage: threadline watch <folder> --job <name> \[options\]/);
    expect(watch.stdout).toMatch(/--concurrency <n>\s+files in work at once, per folder/);
    expect(watch.stdout).toContain('--pool-size <n>');
    expect(watch.stdout).toContain('--token-file <file>');
    for (const [args, said] of [
      [['serve', '--bogus'], /unknown option --bogus/],
      [['serve', '--port', 'x'], /--port must be a port number \(0 for any free one\), got "x"/],
      [['serve', '--pool-size', '0'], /--pool-size must be a positive integer/],
      [['serve', '--redis', 'localhost:6379'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
      [['serve', '--alow', 'd'], /did you mean --allow/],
      [['watch', '--bogus'], /unknown option --bogus/],
      [['watch', 'a', 'b', '--job', 'files.checksum'], /give one folder/],
      [
        ['watch', 'in', '--job', 'files.checksum', '--stable', 'soon'],
        /--stable must be an integer of at least 0/,
      ],
      [
        ['watch', 'in', '--job', 'files.checksum', '--concurrency', '0'],
        /--concurrency must be a positive integer/,
      ],
      [['watch', 'in', '--job', 'files.checksum', '--concurency', '2'], /did you mean --concurrency/],
      [['watch', 'in'], /--job is required/],
    ] as const) {
      const result = await run([...args], dir);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(said);
      expect(result.stderr.trim().split('\n').length, args.join(' ')).toBeLessThanOrEqual(2);
    }
  });

  it('ends quietly when its reader goes away: a listing exits 0, a run finishes its job', async () => {
    const dir = tempDir();
    for (let i = 0; i < 3; i++) await run(['run', 'demo.sleep', '--input', '{"items":1,"ms":0}'], dir);
    const list = await piped('list', 1, dir);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^ID\s+JOB/);
    expect(list.stderr).toBe('');

    const ran = await piped(`run demo.sleep --input '{"items":10,"ms":50}'`, 1, dir);
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stderr).toBe('');
    const [latest] = JSON.parse((await run(['list', '--json', '--limit', '1'], dir)).stdout);
    expect(latest).toMatchObject({ state: 'succeeded', items: { succeeded: 10 } });
  });

  it('prints only failures and the outcome with --quiet', async () => {
    const dir = tempDir();
    const result = await run(
      ['run', 'demo.sleep', '--quiet', '--input', '{"items":4,"ms":1,"failEvery":2}'],
      dir,
    );
    expect(result.stdout).not.toMatch(/items \(/);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(/^partial: 2 succeeded, 2 failed, 0 cancelled of 4$/m);
    expect(result.stderr.match(/^failed item \d|^failed \d/gm)).toHaveLength(2);
  });
});
