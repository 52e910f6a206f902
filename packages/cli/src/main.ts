#!/usr/bin/env node
// The `threadline` command: dispatches to each command's module, loaded only
// when used so that `--help` and `list` stay fast.
import { readFileSync } from 'node:fs';
import { connect } from './connect.js';
import { EXIT, reportError } from './exit.js';

type Command = (argv: string[]) => Promise<number | undefined>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  run: {
    summary: 'run a job and show its progress',
    load: async () => {
      const { runRun } = await import('./commands/run.js');
      return (argv) => runRun(argv, { connect });
    },
  },
  jobs: {
    summary: 'list the jobs you can run and their inputs',
    load: async () => {
      const { runJobs } = await import('./commands/jobs.js');
      return (argv) => runJobs(argv, { connect });
    },
  },
  list: {
    summary: 'list jobs from the history',
    load: async () => {
      const { runList } = await import('./commands/history.js');
      return (argv) => runList(argv, { connect });
    },
  },
  show: {
    summary: 'show one job: progress, summary, failures, logs',
    load: async () => {
      const { runShow } = await import('./commands/history.js');
      return (argv) => runShow(argv, { connect });
    },
  },
  serve: {
    summary: 'serve the web dashboard and the API',
    load: async () => {
      const { runServe } = await import('@threadline/web');
      // Serving goes on after the command returns; its own signal handlers end it.
      return async (argv) => ((await runServe(argv, { connect })) ? undefined : EXIT.ok);
    },
  },
  tui: {
    summary: 'watch and steer jobs in a terminal UI',
    load: async () => {
      const { runTui } = await import('@threadline/tui');
      return (argv) => runTui(argv, { connect });
    },
  },
  watch: {
    summary: 'process each file dropped into a folder, once',
    load: async () => {
      const { runWatch } = await import('@threadline/watch');
      return (argv) => runWatch(argv, { connect });
    },
  },
  worker: {
    summary: 'run items of BullMQ jobs on this machine',
    load: async () => {
      const { runWorker } = await import('./commands/worker.js');
      return runWorker;
    },
  },
};

const USAGE = `Usage: threadline <command> [options]

Run long batch jobs on worker threads, and watch them.

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(8)} ${summary}`)
  .join('\n')}

Run \`threadline <command> --help\` for a command's options.
The data directory is --data-dir, else THREADLINE_DATA_DIR, else the user data folder.`;

async function main(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    console.log(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '-v' || name === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    console.log(pkg.version);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`threadline: unknown command "${name}"\n\n${USAGE}`);
    return EXIT.usage;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    return reportError(error, name);
  }
}

const code = await main(process.argv.slice(2));
if (code !== undefined) {
  process.exitCode = code;
}
