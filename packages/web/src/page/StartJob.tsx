import Form from '@rjsf/core';
import type { ErrorSchema, IconButtonProps, RJSFSchema, UiSchema } from '@rjsf/utils';
import { backoffMs, type JobDefinitionInfo } from '@threadline/core/client';
import { useEffect, useRef, useState } from 'react';
import { client, type Issue, issuesOf, messageOf } from './api';
import { useOffline } from './store';
import { validator } from './validator';

/** What "Run again" hands the form: a job's name and input; `nonce` tells two clicks apart. */
export interface Prefill {
  name: string;
  input: unknown;
  nonce: number;
}

const UI: UiSchema = {
  'ui:submitButtonOptions': { submitText: 'Start' },
  'ui:globalOptions': { orderable: false, copyable: false },
};

/** The form's layout: a list's entries without a label each ("Feed URLs-2"): the list's title says it. */
function uiSchemaOf(schema: RJSFSchema): UiSchema {
  const ui: UiSchema = { ...UI };
  for (const [key, field] of Object.entries(schema.properties ?? {}))
    if (typeof field === 'object' && field.type === 'array') ui[key] = { items: { 'ui:label': false } };
  return ui;
}

// The default buttons draw Bootstrap glyphicons, a font this page never loads: words instead.
function TextButton(props: IconButtonProps & { label: string; kind: string }) {
  const { onClick, disabled, id, title, label, kind } = props;
  return (
    <button type="button" id={id} className={kind} onClick={onClick} disabled={disabled} title={title}>
      {label}
    </button>
  );
}
const TEMPLATES = {
  ButtonTemplates: {
    AddButton: (props: IconButtonProps) => <TextButton {...props} label="+ Add" kind="array-add" />,
    RemoveButton: (props: IconButtonProps) => <TextButton {...props} label="Remove" kind="array-remove" />,
    MoveUpButton: (props: IconButtonProps) => <TextButton {...props} label="Up" kind="array-move" />,
    MoveDownButton: (props: IconButtonProps) => <TextButton {...props} label="Down" kind="array-move" />,
    CopyButton: (props: IconButtonProps) => <TextButton {...props} label="Copy" kind="array-move" />,
    ClearButton: (props: IconButtonProps) => <TextButton {...props} label="Clear" kind="array-move" />,
  },
};
// Optional lists start empty: a blank entry put there for minItems is only rejected (model.train's features).
const DEFAULTS = { arrayMinItems: { populate: 'requiredOnly' as const } };

/** The server's field issues ("a.b") as the form's error tree. */
function toErrorSchema(issues: Issue[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const issue of issues) {
    let node = root;
    for (const key of pathOf(issue)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), issue.message];
  }
  return root as ErrorSchema;
}

const pathOf = (issue: Issue) => (issue.path === '(input)' ? [] : issue.path.split('.').filter(Boolean));

function valueAt(data: unknown, path: string[]): unknown {
  let value = data;
  for (const key of path)
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** "Column to predict; default: the last column" → label "Column to predict", help "default: the last column". */
function splitDescription(description: string): [string, string | undefined] {
  const cut = description.indexOf('; ');
  if (cut < 0) return [description, undefined];
  return [description.slice(0, cut), description.slice(cut + 2)];
}

/** A field's label: its title, else its description's first clause; never its raw name. */
function labelled(schema: Record<string, unknown>, isItem: boolean): Record<string, unknown> {
  const next: Record<string, unknown> = { ...schema };
  if (!isItem && typeof next.title !== 'string' && typeof next.description === 'string') {
    const [label, help] = splitDescription(next.description);
    next.title = label;
    if (help === undefined) delete next.description;
    else next.description = help;
  }
  if (next.properties && typeof next.properties === 'object') {
    next.properties = Object.fromEntries(
      Object.entries(next.properties as Record<string, Record<string, unknown>>).map(([key, value]) => [
        key,
        labelled(value, false),
      ]),
    );
  }
  // A list's entries need no label of their own: the list has it.
  if (next.items && typeof next.items === 'object')
    next.items = labelled(next.items as Record<string, unknown>, true);
  return next;
}

/** The schema as the form library wants it: Ajv's default draft does not know 2020-12's $schema URI. */
function formSchema(definition: JobDefinitionInfo): RJSFSchema {
  const { $schema: _ignored, ...schema } = definition.inputSchema;
  return { ...labelled(schema, false), title: undefined } as RJSFSchema;
}

/** Blank entries of a list are not input: the server would only refuse them. */
function withoutBlanks(value: unknown): unknown {
  if (Array.isArray(value))
    return value.filter((entry) => entry !== undefined && entry !== null && entry !== '').map(withoutBlanks);
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .map(([key, entry]) => [key, withoutBlanks(entry)] as const)
        .filter(([, entry]) => entry !== undefined && !(Array.isArray(entry) && entry.length === 0)),
    );
  return value;
}

export function StartJob(props: { onStarted: (id: string) => void; prefill: Prefill | undefined }) {
  const { prefill } = props;
  const [definitions, setDefinitions] = useState<JobDefinitionInfo[] | undefined>();
  const [chosen, setChosen] = useState<string | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();
  /** What was typed into each job's form: switching jobs and back keeps it. */
  const [drafts, setDrafts] = useState<Record<string, unknown>>({});

  useEffect(() => {
    let live = true;
    const load = (attempt: number) =>
      client
        .definitions()
        .then((list) => {
          if (!live) return;
          setDefinitions(list);
          setLoadError(undefined);
          setChosen((current) => current ?? list[0]?.name);
        })
        .catch((error: unknown) => {
          if (!live) return;
          setLoadError(messageOf(error));
          setTimeout(() => load(attempt + 1), backoffMs(attempt, { firstMs: 1000, maxMs: 10_000 }));
        });
    void load(0);
    return () => {
      live = false;
    };
  }, []);

  useEffect(() => {
    if (!prefill) return;
    setChosen(prefill.name);
    setDrafts((d) => ({ ...d, [prefill.name]: structuredClone(prefill.input) }));
  }, [prefill]);

  if (!definitions)
    return <p className="empty">{loadError ? `Cannot load jobs: ${loadError}` : 'Loading…'}</p>;
  if (definitions.length === 0) return <p className="empty">No jobs are registered.</p>;
  const definition = definitions.find((d) => d.name === chosen) ?? definitions[0]!;

  return (
    <div>
      <div className="definitions" role="tablist">
        {definitions.map((d) => (
          <button
            key={d.name}
            type="button"
            role="tab"
            aria-selected={d.name === definition.name}
            className={d.name === definition.name ? 'chosen' : ''}
            onClick={() => setChosen(d.name)}
          >
            <span className="def-title">{d.title}</span>
            <span className="job-name">{d.name}</span>
          </button>
        ))}
      </div>
      <RunsOn definition={definition} />
      <JobForm
        key={definition.name}
        definition={definition}
        formData={drafts[definition.name]}
        prefilled={prefill?.name === definition.name ? prefill.nonce : undefined}
        onChange={(data) => setDrafts((d) => ({ ...d, [definition.name]: data }))}
        onStarted={props.onStarted}
      />
    </div>
  );
}

/** Which connected workers have the job, on backends with remote workers (BullMQ); nothing elsewhere. */
function RunsOn(props: { definition: JobDefinitionInfo }) {
  const { workers } = props.definition;
  if (!workers) return null;
  if (workers.length === 0)
    return (
      <p className="description runs-on" style={{ color: 'var(--warn)' }}>
        no connected worker has this job
      </p>
    );
  const hosts = [...new Set(workers.map((w) => w.host))];
  return <p className="description runs-on">runs on: {hosts.join(', ')}</p>;
}

function JobForm(props: {
  definition: JobDefinitionInfo;
  formData: unknown;
  /** Set when "Run again" filled this form; a new value each time. */
  prefilled: number | undefined;
  onChange: (data: unknown) => void;
  onStarted: (id: string) => void;
}) {
  const { definition, formData } = props;
  const offline = useOffline();
  const [schema] = useState(() => formSchema(definition));
  const [uiSchema] = useState(() => uiSchemaOf(schema));
  /** The server's refusals, with the input they were about: one goes when its field changes. */
  const [refused, setRefused] = useState<{ issues: Issue[]; input: unknown } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (props.prefilled === undefined) return;
    setNotice('Filled in from the job: edit and start.');
    setError(undefined);
    setRefused(undefined);
    box.current?.scrollIntoView?.({ block: 'nearest' });
  }, [props.prefilled]);

  const submit = async (input: unknown) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    setRefused(undefined);
    const cleaned = withoutBlanks(input);
    try {
      const job = await client.start(definition.name, cleaned);
      setNotice(`Started ${job.title}.`);
      props.onStarted(job.id);
    } catch (e) {
      const issues = issuesOf(e);
      if (issues.length) setRefused({ issues, input: cleaned });
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const change = (data: unknown) => {
    props.onChange(data);
    if (!refused) return;
    const cleaned = withoutBlanks(data);
    const left = refused.issues.filter(
      (issue) =>
        JSON.stringify(valueAt(cleaned, pathOf(issue))) ===
        JSON.stringify(valueAt(refused.input, pathOf(issue))),
    );
    if (left.length === refused.issues.length) return;
    setRefused(left.length ? { ...refused, issues: left } : undefined);
    if (left.length === 0) setError(undefined);
  };

  return (
    <div className="job-form" data-testid={`form-${definition.name}`} ref={box}>
      {definition.description && <p className="description">{definition.description}</p>}
      <Form
        schema={schema}
        uiSchema={uiSchema}
        validator={validator}
        templates={TEMPLATES}
        experimental_defaultFormStateBehavior={DEFAULTS}
        formData={formData}
        onChange={(event) => change(event.formData)}
        onSubmit={(event) => void submit(event.formData)}
        {...(refused ? { extraErrors: toErrorSchema(refused.issues) } : {})}
        showErrorList={false}
        disabled={busy || offline}
        noHtml5Validate
      />
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      {notice && <div className="notice">{notice}</div>}
    </div>
  );
}
