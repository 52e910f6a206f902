// The tail of a job's log, following its end unless the reader scrolled up.
import type { LogEvent } from '@threadline/core/client';
import { useEffect, useRef } from 'react';

export function LogTail({ logs }: { logs: LogEvent[] }) {
  const tail = useRef<HTMLOListElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new line is the trigger.
  useEffect(() => {
    const list = tail.current;
    if (list && list.scrollHeight - list.scrollTop - list.clientHeight < 60)
      list.scrollTop = list.scrollHeight;
  }, [logs.length]);
  return (
    <>
      <h3>Log {logs.length > 0 && <span className="count">last {logs.length}</span>}</h3>
      {logs.length === 0 ? (
        <p className="empty">None.</p>
      ) : (
        <ol className="logs" ref={tail} data-testid="logs">
          {logs.map((log) => (
            <li key={log.seq} className={log.level}>
              <span className="time">{new Date(log.at).toLocaleTimeString()}</span>
              <span className="level">{log.level}</span> {log.message}
            </li>
          ))}
        </ol>
      )}
    </>
  );
}
