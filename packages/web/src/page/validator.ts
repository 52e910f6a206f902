// The form's validator: the JSON Schema a job's zod input turns into, checked in
// a few hundred lines instead of Ajv (150 KB of the page's script, with its
// formats and URI parser). What this checks is what the built-in jobs' schemas
// use: types, enum/const, number and length bounds, pattern, uri/email formats,
// list and object shapes, required, and the combinators. The server validates
// every start again with the job's own zod schema and names the field it
// refuses, so a keyword this skips is still caught, one round trip later.
import {
  type CustomValidator,
  createErrorHandler,
  type ErrorTransformer,
  getDefaultFormState,
  type RJSFSchema,
  type RJSFValidationError,
  toErrorSchema,
  type UiSchema,
  unwrapErrorHandler,
  type ValidationData,
  type ValidatorType,
  validationDataMerge,
} from '@rjsf/utils';

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function hasType(type: unknown, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    case 'null':
      return value === null;
    default:
      return true;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function isUri(text: string): boolean {
  try {
    return /^[a-z][a-z0-9+.-]*:/i.test(text) && Boolean(new URL(text));
  } catch {
    return false;
  }
}

const FORMATS: Record<string, (text: string) => boolean> = {
  uri: isUri,
  url: isUri,
  email: (text) => /^[^\s@]+@[^\s@]+$/.test(text),
  date: (text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)),
  'date-time': (text) => !Number.isNaN(Date.parse(text)) && /^\d{4}-\d{2}-\d{2}T/.test(text),
};

class Checker {
  readonly errors: RJSFValidationError[] = [];
  constructor(private readonly root: Schema) {}

  private resolve(schema: Schema): Schema {
    let current = schema;
    for (let hops = 0; typeof current.$ref === 'string' && hops < 32; hops++) {
      const ref = current.$ref as string;
      if (!ref.startsWith('#')) return current;
      let target: unknown = this.root;
      for (const part of ref.slice(1).split('/').filter(Boolean))
        target = isObject(target)
          ? target[decodeURIComponent(part.replace(/~1/g, '/').replace(/~0/g, '~'))]
          : undefined;
      if (!isObject(target)) return current;
      const { $ref: _ref, ...rest } = current;
      current = { ...target, ...rest };
    }
    return current;
  }

  /** True when `value` fits `schema`; each misfit is recorded at its path. */
  check(raw: unknown, value: unknown, path: string[]): boolean {
    if (raw === false) return this.fail(path, 'false schema', 'must not be present');
    if (!isObject(raw)) return true;
    const schema = this.resolve(raw);
    const before = this.errors.length;
    if (value === undefined) return true;

    const { type } = schema;
    if (type !== undefined) {
      const types = Array.isArray(type) ? type : [type];
      if (!types.some((t) => hasType(t, value)))
        return this.fail(path, 'type', `must be ${types.join(' or ')}`, { type });
    }
    if ('const' in schema && !same(schema.const, value))
      this.fail(path, 'const', 'must be equal to constant');
    if (Array.isArray(schema.enum) && !schema.enum.some((option) => same(option, value)))
      this.fail(path, 'enum', `must be one of: ${schema.enum.map((o) => JSON.stringify(o)).join(', ')}`, {
        allowedValues: schema.enum,
      });

    if (typeof value === 'number') this.number(schema, value, path);
    if (typeof value === 'string') this.string(schema, value, path);
    if (Array.isArray(value)) this.array(schema, value, path);
    if (isObject(value)) this.object(schema, value, path);

    if (Array.isArray(schema.allOf)) for (const part of schema.allOf) this.check(part, value, path);
    if (Array.isArray(schema.anyOf) && !schema.anyOf.some((part) => this.quietly(part, value, path)))
      this.fail(path, 'anyOf', 'must match a schema in anyOf');
    if (
      Array.isArray(schema.oneOf) &&
      schema.oneOf.filter((part) => this.quietly(part, value, path)).length !== 1
    )
      this.fail(path, 'oneOf', 'must match exactly one schema in oneOf');
    if (schema.not !== undefined && this.quietly(schema.not, value, path))
      this.fail(path, 'not', 'must NOT be valid');
    if (schema.if !== undefined) {
      const branch = this.quietly(schema.if, value, path) ? schema.then : schema.else;
      if (branch !== undefined) this.check(branch, value, path);
    }
    return this.errors.length === before;
  }

  private quietly(schema: unknown, value: unknown, path: string[]): boolean {
    const inner = new Checker(this.root);
    return inner.check(schema, value, path);
  }

  private number(schema: Schema, value: number, path: string[]) {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf } = schema;
    if (typeof minimum === 'number' && value < minimum)
      this.fail(path, 'minimum', `must be >= ${minimum}`, { limit: minimum });
    if (typeof maximum === 'number' && value > maximum)
      this.fail(path, 'maximum', `must be <= ${maximum}`, { limit: maximum });
    if (typeof exclusiveMinimum === 'number' && value <= exclusiveMinimum)
      this.fail(path, 'exclusiveMinimum', `must be > ${exclusiveMinimum}`, { limit: exclusiveMinimum });
    if (typeof exclusiveMaximum === 'number' && value >= exclusiveMaximum)
      this.fail(path, 'exclusiveMaximum', `must be < ${exclusiveMaximum}`, { limit: exclusiveMaximum });
    if (
      typeof multipleOf === 'number' &&
      multipleOf > 0 &&
      Math.abs(value / multipleOf - Math.round(value / multipleOf)) > 1e-9
    )
      this.fail(path, 'multipleOf', `must be a multiple of ${multipleOf}`, { multipleOf });
  }

  private string(schema: Schema, value: string, path: string[]) {
    const length = [...value].length;
    const { minLength, maxLength, pattern, format } = schema;
    if (typeof minLength === 'number' && length < minLength)
      this.fail(
        path,
        'minLength',
        minLength === 1 ? 'must not be empty' : `must have at least ${minLength} characters`,
        {
          limit: minLength,
        },
      );
    if (typeof maxLength === 'number' && length > maxLength)
      this.fail(path, 'maxLength', `must have at most ${maxLength} characters`, { limit: maxLength });
    if (typeof pattern === 'string') {
      let matches = true;
      try {
        matches = new RegExp(pattern, 'u').test(value);
      } catch {
        // A pattern this browser cannot compile is left to the server.
      }
      if (!matches) this.fail(path, 'pattern', `must match pattern "${pattern}"`, { pattern });
    }
    if (typeof format === 'string' && FORMATS[format] && !FORMATS[format](value))
      this.fail(path, 'format', `must be a valid ${format === 'uri' ? 'URL' : format}`, { format });
  }

  private array(schema: Schema, value: unknown[], path: string[]) {
    const { minItems, maxItems, items, prefixItems, uniqueItems } = schema;
    if (typeof minItems === 'number' && value.length < minItems)
      this.fail(path, 'minItems', `must have at least ${minItems} ${minItems === 1 ? 'entry' : 'entries'}`, {
        limit: minItems,
      });
    if (typeof maxItems === 'number' && value.length > maxItems)
      this.fail(path, 'maxItems', `must have at most ${maxItems} entries`, { limit: maxItems });
    const prefix = Array.isArray(prefixItems) ? prefixItems : Array.isArray(items) ? items : [];
    value.forEach((entry, index) => {
      const itemSchema = index < prefix.length ? prefix[index] : Array.isArray(items) ? undefined : items;
      // A blank entry the form added is not input (the page drops it before starting): nothing to check.
      if (itemSchema !== undefined && entry !== null) this.check(itemSchema, entry, [...path, String(index)]);
    });
    if (uniqueItems === true && new Set(value.map((v) => JSON.stringify(v))).size !== value.length)
      this.fail(path, 'uniqueItems', 'must not have duplicate entries');
  }

  private object(schema: Schema, value: Record<string, unknown>, path: string[]) {
    const properties = isObject(schema.properties) ? schema.properties : {};
    if (Array.isArray(schema.required))
      for (const key of schema.required)
        if (typeof key === 'string' && value[key] === undefined)
          this.fail([...path, key], 'required', 'is required', { missingProperty: key });
    for (const [key, entry] of Object.entries(value)) {
      if (key in properties) this.check(properties[key], entry, [...path, key]);
      else if (schema.additionalProperties === false)
        this.fail([...path, key], 'additionalProperties', 'is not a known field', {
          additionalProperty: key,
        });
      else if (isObject(schema.additionalProperties))
        this.check(schema.additionalProperties, entry, [...path, key]);
    }
  }

  private fail(path: string[], name: string, message: string, params: Record<string, unknown> = {}): false {
    const property = path.length ? `.${path.join('.')}` : '';
    this.errors.push({
      name,
      message,
      params,
      property,
      schemaPath: '',
      stack: `${property} ${message}`.trim(),
    });
    return false;
  }
}

function validate(schema: RJSFSchema, formData: unknown, root: RJSFSchema = schema): RJSFValidationError[] {
  const checker = new Checker(root as Schema);
  checker.check(schema, formData, []);
  return checker.errors;
}

export const validator: ValidatorType = {
  validateFormData(
    formData: unknown,
    schema: RJSFSchema,
    customValidate?: CustomValidator,
    transformErrors?: ErrorTransformer,
    uiSchema?: UiSchema,
  ): ValidationData<unknown> {
    let errors = validate(schema, formData);
    if (typeof transformErrors === 'function') errors = transformErrors(errors, uiSchema);
    const errorSchema = toErrorSchema(errors);
    if (typeof customValidate !== 'function') return { errors, errorSchema };
    const data = getDefaultFormState(validator, schema, formData, schema, true);
    const handler = customValidate(data, createErrorHandler(data), uiSchema, errorSchema);
    return validationDataMerge({ errors, errorSchema }, unwrapErrorHandler(handler));
  },
  isValid: (schema, formData, rootSchema) => validate(schema, formData, rootSchema).length === 0,
  rawValidation: <Result = unknown>(schema: RJSFSchema, formData?: unknown) => ({
    errors: validate(schema, formData) as Result[],
  }),
};
