import Form from '@rjsf/core';
import type { ErrorSchema, RJSFSchema, UiSchema } from '@rjsf/utils';
import validator from '@rjsf/validator-ajv8';
import type { JobDefinitionInfo } from '@threadline/core/client';
import { useEffect, useState } from 'react';
import { client, type Issue, issuesOf, messageOf } from './api';

const UI: UiSchema = { 'ui:submitButtonOptions': { submitText: 'Start' } };

/** The server's field issues ("a.b") as the form's error tree. */
function toErrorSchema(issues: Issue[]): ErrorSchema {
  const root: Record<string, unknown> = {};
  for (const issue of issues) {
    let node = root;
    for (const key of issue.path === '(input)' ? [] : issue.path.split('.').filter(Boolean)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node.__errors = [...((node.__errors as string[] | undefined) ?? []), issue.message];
  }
  return root as ErrorSchema;
}

/** The schema as the form library wants it: Ajv's default draft does not know 2020-12's $schema URI. */
function formSchema(definition: JobDefinitionInfo): RJSFSchema {
  const { $schema: _ignored, ...schema } = definition.inputSchema;
  return { ...schema, title: undefined } as RJSFSchema;
}

export function StartJob(props: { onStarted: (id: string) => void }) {
  const [definitions, setDefinitions] = useState<JobDefinitionInfo[] | undefined>();
  const [chosen, setChosen] = useState<string | undefined>();
  const [loadError, setLoadError] = useState<string | undefined>();

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
          setTimeout(() => load(attempt + 1), Math.min(1000 * 2 ** attempt, 10_000));
        });
    void load(0);
    return () => {
      live = false;
    };
  }, []);

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
      <JobForm key={definition.name} definition={definition} onStarted={props.onStarted} />
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

function JobForm(props: { definition: JobDefinitionInfo; onStarted: (id: string) => void }) {
  const { definition } = props;
  const [formData, setFormData] = useState<unknown>(undefined);
  const [extraErrors, setExtraErrors] = useState<ErrorSchema | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (input: unknown) => {
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    setExtraErrors(undefined);
    try {
      const job = await client.start(definition.name, input);
      setNotice(`Started ${job.title}.`);
      props.onStarted(job.id);
    } catch (e) {
      const issues = issuesOf(e);
      if (issues.length) setExtraErrors(toErrorSchema(issues));
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="job-form" data-testid={`form-${definition.name}`}>
      {definition.description && <p className="description">{definition.description}</p>}
      <Form
        schema={formSchema(definition)}
        uiSchema={UI}
        validator={validator}
        formData={formData}
        onChange={(event) => setFormData(event.formData)}
        onSubmit={(event) => void submit(event.formData)}
        {...(extraErrors ? { extraErrors } : {})}
        showErrorList={false}
        disabled={busy}
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
