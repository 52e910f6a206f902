// `threadline serve` with the project's jobs and settings.
import type { EngineOptions } from '@threadline/core';
import { runServe } from '@threadline/web';
import { configured, itemLimits } from '../config/project.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';
import { ownDataDir } from '../local.js';

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
  if (argv.includes('-h') || argv.includes('--help')) {
    await runServe(['--help']);
    return EXIT.ok;
  }
  const { registry, settings, limits } = await deps.project();
  const handle = await runServe(argv, {
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
  return handle ? undefined : EXIT.ok;
}
