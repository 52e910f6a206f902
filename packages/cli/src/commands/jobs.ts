// `threadline jobs`: the job definitions and the input each one takes.
import { parseArgs } from 'node:util';
import type { Connect, JobDefinitionInfo } from '@threadline/core';
import { EXIT } from '../exit.js';

export const JOBS_USAGE = `Usage: threadline jobs [--json] [--data-dir <dir>] [--server <url>]

List the jobs you can run, with their input fields.

Options:
  --json             print the definitions with their JSON Schema
  --data-dir <dir>   where jobs are kept
  --server <url>     ask a running \`threadline serve\`
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

export async function runJobs(argv: string[], deps: { connect: Connect }): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      json: { type: 'boolean' },
      'data-dir': { type: 'string' },
      server: { type: 'string' },
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
      for (const line of describeInput(info)) console.log(line);
      console.log();
    }
    return EXIT.ok;
  } finally {
    await connection.close();
  }
}
