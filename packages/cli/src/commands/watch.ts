// `threadline watch` with the project's jobs and its config's watch rules.
import { runWatch } from '@threadline/watch';
import type { CommandDeps } from '../deps.js';

export async function runWatchCommand(argv: string[], deps: CommandDeps): Promise<number> {
  const help = argv.includes('-h') || argv.includes('--help');
  const watch = help ? undefined : (await deps.project()).watch;
  return runWatch(argv, {
    connect: deps.connect,
    ...(watch ? { rules: { value: watch.rules, base: watch.base, file: watch.file } } : {}),
  });
}
