#!/usr/bin/env node
// The `threadline` command: dispatches to each command's module, loaded only
// when used so that `--help` and `list` stay fast.
import { readFileSync } from 'node:fs';
import { didYouMean } from '@threadline/core/internal';
import type { Project } from './config/project.js';
import { projectConnect, projectHistory } from './connect.js';
import type { CommandDeps } from './deps.js';
import { EXIT, reportError, UsageError } from './exit.js';

type Command = (argv: string[], deps: CommandDeps) => Promise<number | undefined>;

interface CommandEntry {
  summary: string;
  load: () => Promise<Command>;
  /**
   * Keeps the engine it opens until stopped (a TUI, a watcher): only such a command runs the
   * store's schedules and resumes interrupted jobs on opening (the config's resumeInterrupted).
   * One that closes its engine when done (list, run) would leave what it started interrupted.
   */
  longLived?: true;
}

const COMMANDS: Record<string, CommandEntry> = {
  run: {
    summary: 'run a job and show its progress',
    load: async () => {
      const { runRun } = await import('./commands/run.js');
      return runRun;
    },
  },
  resume: {
    summary: 'resume a stopped job: run what it did not do, and show its progress',
    load: async () => {
      const { runResume } = await import('./commands/resume.js');
      return runResume;
    },
  },
  jobs: {
    summary: 'list the jobs you can run and their inputs',
    load: async () => {
      const { runJobs } = await import('./commands/jobs.js');
      return runJobs;
    },
  },
  list: {
    summary: 'list jobs from the history',
    load: async () => {
      const { runList } = await import('./commands/history.js');
      return runList;
    },
  },
  show: {
    summary: 'show one job: progress, summary, failures, logs',
    load: async () => {
      const { runShow } = await import('./commands/history.js');
      return runShow;
    },
  },
  cancel: {
    summary: 'cancel jobs, wherever they run',
    load: async () => {
      const { runCancel } = await import('./commands/cancel.js');
      return runCancel;
    },
  },
  schedules: {
    summary: 'list the schedules of periodic jobs; pause, resume or remove one',
    load: async () => {
      const { runSchedules } = await import('./commands/schedules.js');
      return runSchedules;
    },
  },
  serve: {
    summary: 'serve the web dashboard and the API',
    load: async () => {
      const { runServeCommand } = await import('./commands/serve.js');
      return runServeCommand;
    },
  },
  tui: {
    summary: 'watch and steer jobs in a terminal UI',
    longLived: true,
    load: async () => {
      const { runTuiCommand } = await import('./commands/tui.js');
      return (argv, deps) => runTuiCommand(argv, { connect: deps.connect });
    },
  },
  watch: {
    summary: 'process each file dropped into a folder, once',
    longLived: true,
    load: async () => {
      const { runWatchCommand } = await import('./commands/watch.js');
      return runWatchCommand;
    },
  },
  worker: {
    summary: 'run items of BullMQ jobs on this machine',
    load: async () => {
      const { runWorker } = await import('./commands/worker.js');
      return runWorker;
    },
  },
  config: {
    summary: "show the project's config: its jobs and settings, and where each came from",
    load: async () => {
      const { runConfig } = await import('./commands/config.js');
      return runConfig;
    },
  },
  init: {
    summary: 'start a project: a config and an example job',
    load: async () => {
      const { runInit } = await import('./commands/init.js');
      return runInit;
    },
  },
};

const USAGE = `Usage: threadline <command> [options]

Run long batch jobs on worker threads, and watch them.

Commands:
${Object.entries(COMMANDS)
  .map(([name, { summary }]) => `  ${name.padEnd(10)} ${summary}`)
  .join('\n')}

Options for every command:
  --config <file>   the project config (default: the first threadline.config.{ts,mts,js,mjs,json}
                    from the current directory upward, or THREADLINE_CONFIG)

Run \`threadline <command> --help\` for a command's options.
The data directory is --data-dir, else THREADLINE_DATA_DIR, else the config's dataDir,
else the user data folder.`;

/** Takes `--config FILE` (or `--config=FILE`) out of argv, wherever it is. */
function takeConfigFlag(argv: string[]): { argv: string[]; config?: string } {
  const rest: string[] = [];
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (arg === '--config') {
      config = argv[++i];
      if (config === undefined || config.startsWith('-')) throw new UsageError('--config needs a file');
    } else if (arg.startsWith('--config=')) {
      config = arg.slice('--config='.length);
    } else {
      rest.push(arg);
    }
  }
  return { argv: rest, ...(config !== undefined ? { config } : {}) };
}

function commandDeps(configFlag: string | undefined, command: CommandEntry): CommandDeps {
  let loading: Promise<Project> | undefined;
  const project = () => {
    loading ??= (async () => {
      const { loadProject } = await import('./config/project.js');
      return loadProject({
        configFlag,
        builtins: async () => (await import('@threadline/jobs')).builtinJobs,
      });
    })();
    return loading;
  };
  return {
    project,
    connect: projectConnect(project, { longLived: command.longLived === true }),
    history: projectHistory(project),
  };
}

async function main(args: string[]): Promise<number | undefined> {
  let argv: string[];
  let configFlag: string | undefined;
  try {
    ({ argv, config: configFlag } = takeConfigFlag(args));
  } catch (error) {
    return reportError(error, undefined);
  }
  let [name, ...rest] = argv;
  if (name === 'help' && rest[0] !== undefined) {
    // `threadline help run` is `threadline run --help`.
    [name, rest] = [rest[0], ['--help']];
  }
  if (!name || name === '-h' || name === '--help' || name === 'help') {
    // No command at all is a usage error (exit 2) whose help goes to stderr; asking for help is not.
    (name ? console.log : console.error)(USAGE);
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '-v' || name === '-V' || name === '--version') {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    console.log(pkg.version);
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    const hint = didYouMean(name, Object.keys(COMMANDS));
    console.error(`threadline: unknown command "${name}"${hint}\nSee: threadline --help`);
    return EXIT.usage;
  }
  try {
    return await (await command.load())(rest, commandDeps(configFlag, command));
  } catch (error) {
    return reportError(error, name);
  }
}

// Output that goes away (`threadline list | head -1`: EPIPE; a closed terminal: EIO) is not an
// error to report, and there is no one to report it to: output stops quietly, and a run goes on
// to its end so that its job is not left interrupted. Commands that must stop (the TUI) see
// the terminal go through their own signals.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

const code = await main(process.argv.slice(2));
if (code !== undefined) {
  process.exitCode = code;
}
