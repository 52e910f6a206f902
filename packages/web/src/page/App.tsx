import { useState } from 'react';
import { History } from './History';
import { JobDetailsPanel } from './JobDetails';
import { JobRow } from './JobRow';
import { StartJob } from './StartJob';
import { useJobs } from './store';

const CONNECTION_LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…' } as const;

export function App() {
  const view = useJobs();
  const [selected, setSelected] = useState<string | undefined>();
  const toggle = (id: string) => setSelected((current) => (current === id ? undefined : id));

  return (
    <div className="app">
      <header className="top">
        <h1>Threadline</h1>
        <span className={`connection ${view.connection}`} data-testid="connection">
          {CONNECTION_LABEL[view.connection]}
        </span>
      </header>
      <main className="layout">
        <aside className="panel start">
          <h2>Start a job</h2>
          <StartJob onStarted={(id) => setSelected(id)} />
        </aside>
        <section className="jobs">
          <section className="panel">
            <h2>
              Running <span className="count">{view.active.length}</span>
            </h2>
            {view.active.length === 0 ? (
              <p className="empty">
                {view.loaded ? 'Nothing running. Start a job on the left.' : 'Loading…'}
              </p>
            ) : (
              <ul className="job-list" data-testid="active-jobs">
                {view.active.map((job) => (
                  <JobRow key={job.id} job={job} open={selected === job.id} onToggle={toggle} />
                ))}
              </ul>
            )}
          </section>
          {selected !== undefined && (
            <JobDetailsPanel
              key={selected}
              id={selected}
              live={
                view.active.find((j) => j.id === selected) ?? view.finished.find((j) => j.id === selected)
              }
              version={view.version}
              onClose={() => setSelected(undefined)}
            />
          )}
          <History view={view} selected={selected} onToggle={toggle} />
        </section>
      </main>
    </div>
  );
}
