// `threadline jobs`: the job definitions and the input each one takes.
import { parseArgs } from 'node:util';
import type { Connect, JobDefinitionInfo } from '@threadline/core';
import { EXIT } from '../exit.js';

export const JOBS_USAGE = `Usage: threadline jobs [options]

List the jobs you can run (the project config's jobs, and the built-ins), with
their input fields. With --redis, also which connected workers have each job.

Options:
  --json             print the definitions with their JSON Schema
  --data-dir <dir>   where jobs are kept
  --server <url>     ask a running \`threadline serve\`
  --redis <url>      ask a BullMQ deployment (and its workers)
  --token <token>    the server's token
  -h, --help         show this help`;

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
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      server: { type: 'string' },
      redis: { type: 'string' },
      token: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(JOBS_USAGE);
    return EXIT.ok;
  }
  const connection = await deps.connect({
    ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
    ...(values.server ? { server: values.server } : {}),
    ...(values.redis ? { redis: values.redis } : {}),
    ...(values.token ? { token: values.token } : {}),
    poolSize: 1,
  });
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
