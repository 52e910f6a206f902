// Starting a job: pick a definition, then fill one field per input property.
// Fields start at their defaults and say what is wrong as the user types;
// what the engine rejects comes back onto the same fields.
import type { JobClient, JobDefinitionInfo, JobSnapshot } from '@threadline/core';
import { Box } from 'ink';
import { useEffect, useState } from 'react';
import { type Field, type FieldValue, fieldHint, fieldsOf, toInput } from '../form/fields.js';
import { type FormState, fieldError, formKey, newForm } from '../form/form-state.js';
import { fit } from './format.js';
import { Text } from './Text.js';
import { useKeys } from './use-keys.js';
import { useLiveState } from './use-live-state.js';

export interface StartJobProps {
  client: JobClient;
  height: number;
  columns: number;
  /** Called with the started job, or null when the user backs out. */
  onDone: (job: JobSnapshot | null) => void;
}

type Step =
  | { kind: 'pick'; cursor: number }
  | { kind: 'fill'; cursor: number; definition: JobDefinitionInfo; fields: Field[]; form: FormState };

export function StartJob({ client, height, columns, onDone }: StartJobProps) {
  const [getDefinitions, setDefinitions] = useLiveState<JobDefinitionInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  // One state and one key handler for both steps: keys typed right after enter land in the form.
  const [getStep, setStep] = useLiveState<Step>({ kind: 'pick', cursor: 0 });

  useEffect(() => {
    let stopped = false;
    client
      .definitions()
      .then((found) => !stopped && setDefinitions([...found].sort((a, b) => a.name.localeCompare(b.name))))
      .catch(
        (error: unknown) => !stopped && setLoadError(error instanceof Error ? error.message : String(error)),
      );
    return () => {
      stopped = true;
    };
  }, [client, setDefinitions]);

  const setForm = (definition: JobDefinitionInfo, update: (form: FormState) => FormState) =>
    setStep((step) =>
      step.kind === 'fill' && step.definition === definition ? { ...step, form: update(step.form) } : step,
    );

  const submit = (step: Extract<Step, { kind: 'fill' }>) => {
    const { definition, fields } = step;
    const result = toInput(fields, step.form.values);
    if (!result.ok) {
      const first = fields.findIndex((field) => field.name in result.errors);
      setForm(definition, (form) => ({
        ...form,
        attempted: true,
        focus: first >= 0 ? first : form.focus,
        error: 'Fix the fields in red first.',
      }));
      return;
    }
    setForm(definition, (form) => ({ ...form, attempted: true, submitting: true, error: null }));
    client.start(definition.name, result.input).then(onDone, (error: unknown) => {
      const issues = issuesOf(error).filter((issue) => fields.some((field) => field.name === issue.field));
      setForm(definition, (form) => ({
        ...form,
        submitting: false,
        rejected: Object.fromEntries(issues.map((issue) => [issue.field, issue.message])),
        error: error instanceof Error ? error.message : String(error),
      }));
    });
  };

  useKeys((input, key) => {
    const step = getStep();
    if (step.kind === 'fill') {
      if (step.form.submitting) return;
      const next = formKey(step.form, step.fields, input, key);
      if (next === 'back') setStep({ kind: 'pick', cursor: step.cursor });
      else if (next === 'submit') submit(step);
      else if (next !== step.form) setStep({ ...step, form: next });
      return;
    }
    const all = getDefinitions() ?? [];
    const count = all.length;
    if (key.escape || input === 'q') onDone(null);
    else if (count === 0) return;
    else if (key.upArrow || input === 'k')
      setStep({ kind: 'pick', cursor: (step.cursor - 1 + count) % count });
    else if (key.downArrow || input === 'j') setStep({ kind: 'pick', cursor: (step.cursor + 1) % count });
    else if (key.return) {
      const definition = all[step.cursor]!;
      const fields = fieldsOf(definition.inputSchema);
      setStep({ kind: 'fill', cursor: step.cursor, definition, fields, form: newForm(fields) });
    }
  });

  const step = getStep();
  if (step.kind === 'fill') {
    return <InputForm step={step} height={height} columns={columns} />;
  }
  const definitions = getDefinitions();
  const current = definitions?.[step.cursor];
  return (
    <Box flexDirection="column" height={height}>
      <Text bold>Start a job: pick one</Text>
      {loadError ? <Text color="red">{`Cannot list jobs: ${loadError}`}</Text> : null}
      {definitions === null && !loadError ? <Text dimColor>Loading…</Text> : null}
      {(definitions ?? []).slice(0, Math.max(0, height - 3)).map((definition, index) => (
        <Text key={definition.name}>
          <Text color="cyan">{index === step.cursor ? '▶ ' : '  '}</Text>
          <Text bold={index === step.cursor} inverse={index === step.cursor}>
            {definition.name.padEnd(18)}
          </Text>
          <Text>{fit(` ${definition.title}`, columns - 20)}</Text>
        </Text>
      ))}
      {current?.description ? <Text dimColor>{fit(`  ${current.description}`, columns)}</Text> : null}
    </Box>
  );
}

function InputForm({
  step: { definition, fields, form },
  height,
  columns,
}: {
  step: Extract<Step, { kind: 'fill' }>;
  height: number;
  columns: number;
}) {
  const labelWidth = Math.min(
    16,
    Math.max(6, ...fields.map((f) => f.name.length + (f.required ? 1 : 0))) + 1,
  );
  const valueWidth = columns >= 100 ? 28 : 22;
  const restWidth = Math.max(0, columns - 2 - labelWidth - valueWidth - 1);
  // Title, description and the message line; the rest is for fields, scrolled around the focus.
  const rows = Math.max(1, height - 3);
  const offset = Math.min(Math.max(0, form.focus - rows + 1), Math.max(0, fields.length - rows));
  return (
    <Box flexDirection="column" height={height}>
      <Text>
        <Text bold>{`Start ${definition.name}`}</Text>
        <Text dimColor>{fit(` — ${definition.title}`, columns - definition.name.length - 6)}</Text>
      </Text>
      <Text dimColor>{fit(definition.description ?? ' ', columns)}</Text>
      {fields.length === 0 ? <Text dimColor>This job takes no input. Press enter to start it.</Text> : null}
      {fields.slice(offset, offset + rows).map((field, index) => (
        <FieldRow
          key={field.name}
          field={field}
          value={form.values[field.name] ?? ''}
          focused={index + offset === form.focus}
          error={fieldError(form, field)}
          widths={[labelWidth, valueWidth, restWidth]}
        />
      ))}
      <Text color={form.error ? 'red' : 'gray'}>
        {fit(form.submitting ? 'Starting…' : (form.error ?? ' '), columns)}
      </Text>
    </Box>
  );
}

function FieldRow({
  field,
  value,
  focused,
  error,
  widths: [labelWidth, valueWidth, restWidth],
}: {
  field: Field;
  value: FieldValue;
  focused: boolean;
  error: string | null;
  widths: [number, number, number];
}) {
  const shown =
    typeof value === 'boolean'
      ? value
        ? '[x]'
        : '[ ]'
      : field.kind === 'enum'
        ? `‹ ${value || 'not set'} ›`
        : `${value}${focused ? '▌' : ''}`;
  const hint = [field.required && value === '' ? 'required' : null, field.description, fieldHint(field)]
    .filter(Boolean)
    .join(' · ');
  return (
    <Text>
      <Text color="cyan">{focused ? '▶ ' : '  '}</Text>
      <Text bold={focused}>{fit(`${field.name}${field.required ? '*' : ''}`, labelWidth, true)}</Text>
      <Text inverse={focused} color={error ? 'red' : 'white'}>
        {fit(shown.length > valueWidth ? `…${shown.slice(-(valueWidth - 1))}` : shown, valueWidth, true)}
      </Text>
      <Text> </Text>
      {error ? (
        <Text color="red">{fit(`✗ ${error}`, restWidth)}</Text>
      ) : (
        <Text dimColor>{fit(hint, restWidth)}</Text>
      )}
    </Text>
  );
}

/** Field issues of a ValidationError, by top-level property; also when it crossed a transport as plain data. */
function issuesOf(error: unknown): { field: string; message: string }[] {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue: { path?: unknown; message?: unknown }) =>
    typeof issue?.path === 'string' && typeof issue.message === 'string'
      ? [{ field: issue.path.split('.')[0] ?? '', message: issue.message }]
      : [],
  );
}
