// `threadline serve` with the project's jobs and settings.
import { runServe } from '@threadline/web';
import { configured } from '../config/project.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';
import { ownDataDir } from '../local.js';

export async function runServeCommand(argv: string[], deps: CommandDeps): Promise<number | undefined> {
  if (argv.includes('-h') || argv.includes('--help')) {
    await runServe(['--help']);
    return EXIT.ok;
  }
  const { registry, settings, limits } = await deps.project();
  const handle = await runServe(argv, {
    registry,
    connect: deps.connect,
    openEngine: ownDataDir,
    defaults: {
      port: settings.port.value,
      host: settings.host.value,
      allow: settings.allow.value,
      dataDir: settings.dataDir.value,
      limits,
      ...(settings.token.value ? { token: settings.token.value } : {}),
      ...(settings.redis.value ? { redis: settings.redis.value } : {}),
      ...(configured(settings.poolSize) !== undefined ? { poolSize: settings.poolSize.value } : {}),
      ...(configured(settings.graceMs) !== undefined ? { graceMs: settings.graceMs.value } : {}),
      ...(configured(settings.drainMs) !== undefined ? { drainMs: settings.drainMs.value } : {}),
    },
  });
  // Serving goes on after the command returns; its own signal handlers end it.
  return handle ? undefined : EXIT.ok;
}
