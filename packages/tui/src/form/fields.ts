// A job's input JSON Schema as form fields: one per property, typed from the
// schema, starting at its default, checked as the user types. The engine
// checks again with the job's own zod schema; its issues land on the same fields.

type Schema = Record<string, unknown>;

export type FieldKind = 'string' | 'integer' | 'number' | 'boolean' | 'enum' | 'list' | 'json';

export interface Field {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  /** Choices of an enum field; '' stands for "not set" on an optional one without a default. */
  options: string[];
  schema: Schema;
}

/** What the user has entered: text for most fields, a boolean for a checkbox. */
export type FieldValue = string | boolean;

export type Parsed = { ok: true; value: unknown } | { ok: false; error: string };

const isSchema = (value: unknown): value is Schema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function fieldsOf(inputSchema: Schema): Field[] {
  const properties = isSchema(inputSchema.properties) ? inputSchema.properties : {};
  const required = new Set(Array.isArray(inputSchema.required) ? inputSchema.required.map(String) : []);
  return Object.entries(properties).map(([name, raw]) => {
    const schema = isSchema(raw) ? raw : {};
    const kind = kindOf(schema);
    const options = kind === 'enum' ? (schema.enum as unknown[]).map(String) : [];
    if (kind === 'enum' && !required.has(name) && schema.default === undefined) options.unshift('');
    const description = typeof schema.description === 'string' ? schema.description : null;
    return { name, kind, required: required.has(name), description, options, schema };
  });
}

function kindOf(schema: Schema): FieldKind {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return 'enum';
  switch (schema.type) {
    case 'boolean':
    case 'integer':
    case 'number':
    case 'string':
      return schema.type;
    case 'array': {
      const items = isSchema(schema.items) ? schema.items : {};
      return ['string', 'integer', 'number'].includes(String(items.type)) ? 'list' : 'json';
    }
    default:
      return 'json';
  }
}

export function initialValue(field: Field): FieldValue {
  const value = field.schema.default;
  if (field.kind === 'boolean') return value === true;
  if (field.kind === 'enum') return value === undefined ? (field.options[0] ?? '') : String(value);
  if (value === undefined) return '';
  if (field.kind === 'list' && Array.isArray(value)) return value.join(', ');
  if (field.kind === 'json') return JSON.stringify(value);
  return String(value);
}

/** The value to send for a field; `undefined` leaves it out, so the job's default applies. */
export function parseField(field: Field, raw: FieldValue): Parsed {
  if (typeof raw === 'boolean') return { ok: true, value: raw };
  const text = field.kind === 'string' ? raw : raw.trim();
  if (text === '') return field.required ? { ok: false, error: 'required' } : { ok: true, value: undefined };
  switch (field.kind) {
    case 'enum':
      return field.options.includes(text)
        ? { ok: true, value: text }
        : { ok: false, error: `one of ${field.options.join(', ')}` };
    case 'list':
      return parseList(field.schema, text);
    case 'json':
      try {
        return { ok: true, value: JSON.parse(text) };
      } catch {
        return { ok: false, error: 'must be JSON' };
      }
    default:
      return parseScalar(field.schema, field.kind, text);
  }
}

function parseScalar(schema: Schema, kind: FieldKind, text: string): Parsed {
  if (kind === 'integer' || kind === 'number') {
    const value = Number(text);
    if (!Number.isFinite(value)) return { ok: false, error: 'must be a number' };
    if (kind === 'integer' && !Number.isInteger(value)) return { ok: false, error: 'must be a whole number' };
    const error = checkRange(schema, value);
    return error ? { ok: false, error } : { ok: true, value };
  }
  const { minLength, maxLength, pattern, format } = schema;
  if (typeof minLength === 'number' && text.length < minLength)
    return { ok: false, error: `at least ${minLength} characters` };
  if (typeof maxLength === 'number' && text.length > maxLength)
    return { ok: false, error: `at most ${maxLength} characters` };
  if (typeof pattern === 'string' && !new RegExp(pattern, 'u').test(text))
    return { ok: false, error: `must match ${pattern}` };
  if (format === 'uri' && !URL.canParse(text)) return { ok: false, error: 'must be a URL' };
  return { ok: true, value: text };
}

function checkRange(schema: Schema, value: number): string | null {
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = schema;
  if (typeof minimum === 'number' && value < minimum) return `must be at least ${minimum}`;
  if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum)
    return `must be more than ${exclusiveMinimum}`;
  if (typeof maximum === 'number' && value > maximum) return `must be at most ${maximum}`;
  if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum)
    return `must be less than ${exclusiveMaximum}`;
  return null;
}

function parseList(schema: Schema, text: string): Parsed {
  const items = isSchema(schema.items) ? schema.items : {};
  const itemKind = kindOf(items);
  const values: unknown[] = [];
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  for (const [index, part] of parts.entries()) {
    const parsed = parseScalar(items, itemKind, part);
    if (!parsed.ok) return { ok: false, error: `item ${index + 1}: ${parsed.error}` };
    values.push(parsed.value);
  }
  if (typeof schema.minItems === 'number' && values.length < schema.minItems)
    return { ok: false, error: schema.minItems === 1 ? 'required' : `at least ${schema.minItems} items` };
  return { ok: true, value: values };
}

/** Help shown beside a field: its range or choices, when the description does not say. */
export function fieldHint(field: Field): string {
  const { minimum, maximum } = field.schema;
  const bounded = (n: unknown): n is number => typeof n === 'number' && Math.abs(n) < Number.MAX_SAFE_INTEGER;
  if (field.kind === 'boolean') return 'space toggles';
  if (field.kind === 'enum') return '←/→ choose';
  if (field.kind === 'list') return 'comma-separated';
  if (bounded(minimum) && bounded(maximum)) return `${minimum}–${maximum}`;
  if (bounded(minimum)) return `≥ ${minimum}`;
  if (bounded(maximum)) return `≤ ${maximum}`;
  return '';
}

/** The input object to start a job with, or the message for each field that is wrong. */
export function toInput(
  fields: Field[],
  values: Record<string, FieldValue>,
): { ok: true; input: Record<string, unknown> } | { ok: false; errors: Record<string, string> } {
  const input: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const parsed = parseField(field, values[field.name] ?? initialValue(field));
    if (!parsed.ok) errors[field.name] = parsed.error;
    else if (parsed.value !== undefined) input[field.name] = parsed.value;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, input };
}
