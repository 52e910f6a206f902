// The Lua scripts that change a job's record, one `.lua` file each in ./lua,
// read once as the module loads. Each runs atomically in Redis, so numbering an
// event, writing it to the streams and changing the record are one step: a
// reader never sees a gap in `seq`, and two workers racing on one item (a
// stalled chunk redelivered while its first worker still runs) cannot both
// count it: setting the item's bit in the outcomes bitmap lets the first win.
//
// Each file's header lists its KEYS and ARGV; every key is passed as KEYS (all
// under the deployment's hash tag), so the scripts run on Redis Cluster. The
// prelude (lua/prelude.lua) is inserted into each after its shebang line.
import { readFileSync } from 'node:fs';

const read = (file: string) => readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');

const FILES = {
  create: 'create',
  begin: 'begin',
  enumerated: 'enumerated',
  claim: 'claim',
  record: 'record',
  failChunk: 'fail-chunk',
  cancel: 'cancel',
  progress: 'progress',
  finish: 'finish',
  log: 'log',
} as const;

export type ScriptName = keyof typeof FILES;

export interface Script {
  /** What Redis runs: the file's shebang (flags), the prelude, the file's body. */
  lua: string;
  /** How many of its arguments are KEYS: the highest `KEYS[n]` its header and the prelude's list. */
  numberOfKeys: number;
}

/** The highest `-- KEYS[n]` in a header: a file's keys are numbered from the prelude's on, without gaps. */
const keysIn = (source: string) =>
  Math.max(0, ...[...source.matchAll(/^-- KEYS\[(\d+)\]/gm)].map((match) => Number(match[1])));

function load(file: string, prelude: string): Script {
  const source = read(file);
  // A shebang (Redis 7's `#!lua flags=allow-oom`: the steps that end a job's work) must stay the first line.
  const [shebang, body] = source.startsWith('#!')
    ? [source.slice(0, source.indexOf('\n') + 1), source.slice(source.indexOf('\n') + 1)]
    : ['', source];
  return { lua: shebang + prelude + body, numberOfKeys: Math.max(keysIn(prelude), keysIn(source)) };
}

const PRELUDE = read('prelude');

export const SCRIPTS = Object.fromEntries(
  Object.entries(FILES).map(([name, file]) => [name, load(file, PRELUDE)]),
) as Record<ScriptName, Script>;
