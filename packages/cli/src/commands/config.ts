// `threadline config`: the project as every command sees it: the config
// file, the jobs by name and where each came from, and each setting with
// its source (flag > environment > config > default).
import type { SettingName } from '../config/project.js';
import type { CommandDeps } from '../deps.js';
import { EXIT } from '../exit.js';
import { type CommandSpec, HELP, helpText, JSON_OUTPUT, type OptionTable, parseCommand } from '../options.js';

export const CONFIG = {
  name: 'config',
  synopsis: '[--json] [--config <file>]',
  description: `Show the project's config as every command sees it: the file, the jobs by name
(and the module each comes from), and every setting with where it came from
(a flag given to a command > environment > config file > default).`,
  options: { json: JSON_OUTPUT, help: HELP },
} as const satisfies CommandSpec<OptionTable>;

export async function runConfig(argv: string[], deps: CommandDeps): Promise<number> {
  const { values } = parseCommand(argv, CONFIG);
  if (values.help) {
    console.log(helpText(CONFIG));
    return EXIT.ok;
  }
  const project = await deps.project();
  const settings = Object.entries(project.settings).map(([name, setting]) => ({
    name: name as SettingName,
    // A token is a secret: say that it is set and where, never what it is.
    value: name === 'token' && setting.value ? '(set)' : setting.value,
    source: setting.source,
  }));
  if (values.json) {
    console.log(
      JSON.stringify(
        {
          file: project.config?.file ?? null,
          base: project.base,
          jobs: project.jobs.map(({ name, from }) => ({ name, from })),
          settings: Object.fromEntries(settings.map(({ name, value, source }) => [name, { value, source }])),
          watch: project.watch?.rules ?? null,
        },
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  const how = { flag: '--config', env: 'THREADLINE_CONFIG', search: 'found from the current directory' };
  console.log(
    project.config
      ? `config:   ${project.config.file} (${how[project.config.how]})`
      : 'config:   none (no threadline.config.* here or above; `threadline init` writes one)',
  );
  const width = Math.max(...project.jobs.map((job) => job.name.length));
  console.log(project.jobs.length === 0 ? 'jobs:     none' : 'jobs:');
  for (const job of project.jobs) console.log(`  ${job.name.padEnd(width)}  ${job.from}`);
  console.log('settings:');
  const nameWidth = Math.max(...settings.map(({ name }) => name.length));
  for (const { name, value, source } of settings) {
    const shown = value === undefined ? '-' : Array.isArray(value) ? value.join(', ') : String(value);
    console.log(`  ${name.padEnd(nameWidth)} ${shown.padEnd(40)} ${source}`);
  }
  if (project.watch) {
    const folders = project.watch.rules.folders.map((folder) => folder.path).join(', ');
    console.log(`watch:    ${project.watch.rules.folders.length} folder(s): ${folders}`);
  }
  return EXIT.ok;
}
