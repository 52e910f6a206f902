// `threadline jobs`: the job definitions and the input each one takes.
import type { Connect, JobDefinitionInfo } from '@threadline/core';
import { EXIT } from '../exit.js';
import {
  type CommandSpec,
  HELP,
  helpText,
  JSON_OUTPUT,
  type OptionTable,
  parseCommand,
  WHERE,
  whereFrom,
} from '../options.js';

export const JOBS = {
  name: 'jobs',
  synopsis: '[options]',
  description: `List the jobs you can run (the project config's jobs, and the built-ins), with
their input fields. With --redis, also which connected workers have each job.`,
  options: {
    json: { ...JSON_OUTPUT, help: 'print the definitions with their JSON Schema' },
    ...WHERE,
    help: HELP,
  },
} as const satisfies CommandSpec<OptionTable>;

interface SchemaProperty {
  type?: string | string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
}

export function describeInput(info: JobDefinitionInfo): string[] {
  const schema = info.inputSchema as { properties?: Record<string, SchemaProperty>; required?: string[] };
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    const type = prop.enum
      ? prop.enum.map((v) => JSON.stringify(v)).join('|')
      : [prop.type ?? 'any'].flat().join('|');
    const flags = required.has(name)
      ? 'required'
      : prop.default !== undefined
        ? `default ${JSON.stringify(prop.default)}`
        : 'optional';
    return `    ${name} (${type}, ${flags})${prop.description ? `: ${prop.description}` : ''}`;
  });
}

function describeWorkers(workers: NonNullable<JobDefinitionInfo['workers']>): string {
  if (workers.length === 0) return 'no connected worker has this job';
  const hosts = [...new Set(workers.map((worker) => worker.host))];
  return `on ${workers.length} worker${workers.length === 1 ? '' : 's'}: ${hosts.join(', ')}`;
}

export async function runJobs(argv: string[], deps: { connect: Connect }): Promise<number> {
  const { values } = parseCommand(argv, JOBS);
  if (values.help) {
    console.log(helpText(JOBS));
    return EXIT.ok;
  }
  const connection = await deps.connect({ ...whereFrom(values), poolSize: 1 });
  try {
    const definitions = await connection.client.definitions();
    if (values.json) {
      console.log(JSON.stringify(definitions, null, 2));
      return EXIT.ok;
    }
    for (const info of definitions) {
      console.log(`${info.name} — ${info.title}${info.every ? ` (every ${info.every})` : ''}`);
      if (info.description) console.log(`    ${info.description}`);
      if (info.workers) console.log(`    ${describeWorkers(info.workers)}`);
      for (const line of describeInput(info)) console.log(line);
      console.log();
    }
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
