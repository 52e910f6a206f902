// The documented mapping from one claimed file to a job's input, and from the
// job's outputs to the results folder. Placeholders in a rule's input:
//   {{file}}  the claimed file             {{dir}}  a folder holding only that file
//   {{out}}   an empty folder: whatever the job writes there is the result
//   {{name}}  the file's name  {{stem}}  its name without extension  {{ext}}  its extension
// Each built-in job has a default; a rule's input is laid over it, so
// `--input '{"size":800}'` is enough for image.scale.

/** Where a successful file's source goes: beside its outputs, to originals/, or away. */
export type SourceDisposition = 'done' | 'originals' | 'delete';

export interface Mapping {
  input: Record<string, unknown>;
  /** Copy the file into {{out}} before the job runs (for jobs that change files in place). */
  copyIn: boolean;
  source: SourceDisposition;
}

const BUILTIN: Record<string, Mapping> = {
  // A folder in, a folder out: the scaled image is the result; the original is kept.
  'image.scale': { input: { source: '{{dir}}', target: '{{out}}' }, copyIn: false, source: 'originals' },
  // Tidies in place, so it works on a copy in {{out}}: the original stays untouched for failed/ or originals/.
  'photo.tidy': { input: { folder: '{{out}}', recursive: false }, copyIn: true, source: 'originals' },
  // The manifest is a sidecar: the file and its `.sha256` go to done/ together.
  'files.checksum': {
    input: { root: '{{dir}}', manifest: '{{out}}/{{name}}.sha256' },
    copyIn: false,
    source: 'done',
  },
  // Takes no file: the file passes through to done/ once the job succeeds.
  'demo.sleep': { input: { items: 1 }, copyIn: false, source: 'done' },
};

const PLACEHOLDER = /\{\{(file|dir|out|name|stem|ext)\}\}/g;

/** True when the job has a built-in mapping, so its input needs no placeholders. */
export const hasBuiltinMapping = (job: string): boolean => job in BUILTIN;

/** The rule's mapping: the job's built-in one with the rule's input and source laid over it. */
export function mappingFor(
  job: string,
  input: Record<string, unknown>,
  source: SourceDisposition | undefined,
): Mapping {
  const builtin = BUILTIN[job] ?? { input: {}, copyIn: false, source: 'done' };
  return { input: { ...builtin.input, ...input }, copyIn: builtin.copyIn, source: source ?? builtin.source };
}

/** True when any string in the input uses a placeholder (a job without a built-in mapping needs one). */
export function usesPlaceholders(input: unknown): boolean {
  return JSON.stringify(input).match(PLACEHOLDER) !== null;
}

export interface Placeholders {
  file: string;
  dir: string;
  out: string;
  name: string;
  stem: string;
  ext: string;
}

/** The input with every placeholder replaced, in strings at any depth. */
export function fillInput(input: unknown, values: Placeholders): unknown {
  if (typeof input === 'string')
    return input.replace(PLACEHOLDER, (_, key: keyof Placeholders) => values[key]);
  if (Array.isArray(input)) return input.map((value) => fillInput(value, values));
  if (input && typeof input === 'object') {
    return Object.fromEntries(Object.entries(input).map(([key, value]) => [key, fillInput(value, values)]));
  }
  return input;
}
