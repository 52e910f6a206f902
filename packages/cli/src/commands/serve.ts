// `threadline serve` with the project's jobs and settings; its options come from
// the same table as every command's.
import { type EngineOptions, ValidationError } from '@threadline/core';
import { runServe } from '@threadline/web';
import { configured, DEFAULT_PORT, itemLimits } from '../config/project.js';
import { positiveInt } from '../connect.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';
import { ownDataDir } from '../local.js';
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

export const SERVE = {
  name: 'serve',
  synopsis: '[options]',
  description: 'Serve the dashboard and the tRPC API.',
  options: {
    port: {
      type: 'string',
      value: '<port>',
      help: `port to listen on (default the config's port or ${DEFAULT_PORT}; 0 picks a free one)`,
    },
    host: {
      type: 'string',
      value: '<host>',
      help: "address to bind (default the config's host or 127.0.0.1)",
    },
    'data-dir': WHERE['data-dir'],
    allow: {
      type: 'string',
      multiple: true,
      value: '<dir>',
      help: "a folder job inputs may name; repeat for more (default the config's allow, else the config's folder, else the current directory)",
    },
    'token-file': {
      ...WHERE['token-file'],
      help: "require the token in this file (default THREADLINE_TOKEN, the config's token, else the data directory's token file, made once with mode 0600)",
    },
    token: { ...WHERE.token, help: 'require this token (shown by ps to every user: prefer --token-file)' },
    'no-token': {
      type: 'boolean',
      help: 'require no token, on loopback only. Unsafe: every user of this machine can then run jobs as you, reading and writing your files',
    },
    'pool-size': POOL_SIZE,
    redis: {
      ...WHERE.redis,
      help: "serve the jobs of a BullMQ deployment (run items with `threadline worker`; default THREADLINE_REDIS or the config's redis)",
    },
    help: HELP,
  },
  footer: `Ctrl+C (or SIGTERM) lets running jobs finish (the config's drainMs) and leaves the rest
interrupted, for \`threadline resume\`; a second Ctrl+C stops at once.`,
} as const satisfies CommandSpec<OptionTable>;

function portOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ValidationError(`--port must be a port number (0 for any free one), got "${value}"`);
  return port;
}

/** The engine on the data directory, resuming its interrupted jobs as it opens, and saying which. */
async function ownResuming(options: EngineOptions & { dataDir: string }) {
  const openedAt = Date.now();
  const owned = await ownDataDir({ ...options, resumeInterrupted: true });
  const resumed = (await owned.engine.list({ limit: 1000 })).filter(
    (job) => job.resumeOf !== undefined && job.createdAt >= openedAt,
  );
  if (resumed.length > 0)
    console.log(
      `resumed ${resumed.length} interrupted job${resumed.length === 1 ? '' : 's'}: ${resumed
        .map((job) => `${job.resumeOf} as ${job.id}`)
        .join(', ')}`,
    );
  return owned;
}

export async function runServeCommand(argv: string[], deps: CommandDeps): Promise<number | undefined> {
  const { values } = parseCommand(argv, SERVE);
  if (values.help) {
    console.log(helpText(SERVE));
    return EXIT.ok;
  }
  const port = portOf(values.port);
  const poolSize = positiveInt(values['pool-size'], 'pool-size');
  const flags = {
    ...(port !== undefined ? { port } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.allow !== undefined ? { allow: values.allow } : {}),
    ...(values.token !== undefined ? { token: values.token } : {}),
    ...(values['token-file'] !== undefined ? { tokenFile: values['token-file'] } : {}),
    ...(values['no-token'] ? { noToken: true } : {}),
    ...(poolSize !== undefined ? { poolSize } : {}),
    // Serve's token flags name the token it requires, not one to send: only these are where jobs are.
    ...whereFrom({ 'data-dir': values['data-dir'], redis: values.redis }),
  };
  const { registry, settings, limits } = await deps.project();
  await runServe(flags, {
    registry,
    connect: deps.connect,
    openEngine: (options: EngineOptions & { dataDir: string }) =>
      (settings.resumeInterrupted.value ? ownResuming : ownDataDir)({ ...options, ...itemLimits(settings) }),
    defaults: {
      port: settings.port.value,
      host: settings.host.value,
      allow: settings.allow.value,
      dataDir: settings.dataDir.value,
      limits,
      ...(settings.token.value !== undefined ? { token: settings.token.value } : {}),
      ...(settings.redis.value ? { redis: settings.redis.value } : {}),
      ...(configured(settings.poolSize) !== undefined ? { poolSize: settings.poolSize.value } : {}),
      ...(configured(settings.graceMs) !== undefined ? { graceMs: settings.graceMs.value } : {}),
      ...(configured(settings.drainMs) !== undefined ? { drainMs: settings.drainMs.value } : {}),
    },
  });
  // Serving goes on after the command returns; its own signal handlers end it.
  return undefined;
}
