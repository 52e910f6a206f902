// The start form as plain state and one pure step per key, so the whole
// editing behaviour is testable without a terminal.
import type { Key } from 'ink';
import { editText } from '../ui/edit-text.js';
import { type Field, type FieldValue, initialValue, parseField } from './fields.js';

export interface FormState {
  values: Record<string, FieldValue>;
  focus: number;
  /** The engine's messages, shown until the field is edited. */
  rejected: Record<string, string>;
  touched: Record<string, true>;
  /** Start was pressed once: every error shows from now on. */
  attempted: boolean;
  submitting: boolean;
  error: string | null;
}

export function newForm(fields: Field[]): FormState {
  return {
    values: Object.fromEntries(fields.map((field) => [field.name, initialValue(field)])),
    focus: 0,
    rejected: {},
    touched: {},
    attempted: false,
    submitting: false,
    error: null,
  };
}

/** What a key does to the form: a new state, or a request to submit or to go back. */
export function formKey(
  form: FormState,
  fields: Field[],
  input: string,
  key: Key,
): FormState | 'submit' | 'back' {
  if (key.escape) return 'back';
  if (key.return) return 'submit';
  const field = fields[form.focus];
  if (!field) return form;
  const count = fields.length;
  if (key.upArrow || (key.tab && key.shift)) return { ...form, focus: (form.focus - 1 + count) % count };
  if (key.downArrow || key.tab) return { ...form, focus: (form.focus + 1) % count };
  const value = form.values[field.name] ?? initialValue(field);
  let next: FieldValue | null = null;
  if (field.kind === 'boolean') {
    if (input === ' ' || key.leftArrow || key.rightArrow) next = !value;
  } else if (field.kind === 'enum') {
    const step = key.leftArrow ? -1 : key.rightArrow || input === ' ' ? 1 : 0;
    const at = field.options.indexOf(String(value));
    if (step !== 0) next = field.options[(at + step + field.options.length) % field.options.length] ?? '';
  } else next = editText(String(value), input, key);
  if (next === null) return form;
  const { [field.name]: _, ...rejected } = form.rejected;
  return {
    ...form,
    values: { ...form.values, [field.name]: next },
    rejected,
    touched: { ...form.touched, [field.name]: true },
  };
}

/** The message a field shows, if any: the engine's, or its own once edited or after a start attempt. */
export function fieldError(form: FormState, field: Field): string | null {
  const rejected = form.rejected[field.name];
  if (rejected) return rejected;
  if (!form.attempted && !form.touched[field.name]) return null;
  const parsed = parseField(field, form.values[field.name] ?? initialValue(field));
  return parsed.ok ? null : parsed.error;
}
