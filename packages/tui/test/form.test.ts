import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { fieldsOf, initialValue, parseField, toInput } from '../src/form/fields.js';
import { type FormState, fieldError, formKey, newForm } from '../src/form/form-state.js';
import { NO_KEY, splitKeys } from '../src/ui/use-keys.js';

// demo.sleep's input schema as the engine reports it (zod → JSON Schema), plus fields of other shapes.
const schema = {
  type: 'object',
  properties: {
    items: { default: 20, description: 'Number of items', type: 'integer', minimum: 1, maximum: 1_000_000 },
    ms: { default: 250, type: 'integer', minimum: 0, maximum: 3_600_000 },
    cpu: { default: false, type: 'boolean' },
    format: { default: 'same', type: 'string', enum: ['same', 'jpeg', 'png'] },
    feeds: { type: 'array', minItems: 1, items: { type: 'string', format: 'uri' } },
    root: { type: 'string', minLength: 1 },
    rate: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
  },
  required: ['feeds', 'root'],
};

const base: Key = NO_KEY;

function type(form: FormState, fields: ReturnType<typeof fieldsOf>, text: string): FormState {
  let state = form;
  for (const [input, k] of splitKeys(text, base)) {
    const next = formKey(state, fields, input, k);
    if (typeof next === 'string') throw new Error(`unexpected ${next}`);
    state = next;
  }
  return state;
}

describe('the start form', () => {
  const fields = fieldsOf(schema);
  const field = (name: string) => fields.find((f) => f.name === name)!;

  it('makes one field per property, typed from the schema, starting at its default', () => {
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['items', 'integer', false],
      ['ms', 'integer', false],
      ['cpu', 'boolean', false],
      ['format', 'enum', false],
      ['feeds', 'list', true],
      ['root', 'string', true],
      ['rate', 'number', false],
    ]);
    expect(fields.map(initialValue)).toEqual(['20', '250', false, 'same', '', '', '']);
  });

  it('says what is wrong with a value in the user’s words', () => {
    expect(parseField(field('items'), '0')).toEqual({ ok: false, error: 'must be at least 1' });
    expect(parseField(field('items'), '2.5')).toEqual({ ok: false, error: 'must be a whole number' });
    expect(parseField(field('items'), 'ten')).toEqual({ ok: false, error: 'must be a number' });
    expect(parseField(field('rate'), '0')).toEqual({ ok: false, error: 'must be more than 0' });
    expect(parseField(field('root'), '')).toEqual({ ok: false, error: 'required' });
    expect(parseField(field('feeds'), 'https://a.example/rss, nope')).toEqual({
      ok: false,
      error: 'item 2: must be a URL',
    });
    expect(parseField(field('feeds'), ' https://a.example/rss ,')).toEqual({
      ok: true,
      value: ['https://a.example/rss'],
    });
  });

  it('leaves out empty optional fields so the job’s defaults apply', () => {
    const values = {
      ...Object.fromEntries(fields.map((f) => [f.name, initialValue(f)])),
      items: '',
      root: '/x',
    };
    expect(toInput(fields, { ...values, feeds: 'https://a.example/rss' })).toEqual({
      ok: true,
      input: { ms: 250, cpu: false, format: 'same', feeds: ['https://a.example/rss'], root: '/x' },
    });
    expect(toInput(fields, values)).toEqual({ ok: false, errors: { feeds: 'required' } });
  });

  it('edits the focused field key by key, and shows an error once the field is touched', () => {
    let form = newForm(fields);
    expect(fieldError(form, field('root'))).toBeNull();
    form = type(form, fields, '\u007f\u007f0');
    expect(form.values.items).toBe('0');
    expect(fieldError(form, field('items'))).toBe('must be at least 1');
    form = type(form, fields, '\u007f40');
    expect(form.values.items).toBe('40');
    expect(fieldError(form, field('items'))).toBeNull();

    form = formKey(form, fields, '', { ...base, downArrow: true }) as FormState;
    form = formKey(form, fields, '', { ...base, downArrow: true }) as FormState;
    form = type(form, fields, ' ');
    expect(form.values.cpu).toBe(true);
    form = formKey(form, fields, '', { ...base, tab: true }) as FormState;
    form = formKey(form, fields, '', { ...base, rightArrow: true }) as FormState;
    expect(form.values.format).toBe('jpeg');
    expect(formKey(form, fields, '', { ...base, return: true })).toBe('submit');
    expect(formKey(form, fields, '', { ...base, escape: true })).toBe('back');
  });
});

describe('keys arriving together', () => {
  it('are handled one by one: enter, backspace and letters are not read as one pasted text', () => {
    const keys = splitKeys('\r\u007f4\t', base);
    expect(keys.map(([input, k]) => [input, k.return, k.delete, k.tab])).toEqual([
      ['', true, false, false],
      ['', false, true, false],
      ['4', false, false, false],
      ['', false, false, true],
    ]);
  });
});
