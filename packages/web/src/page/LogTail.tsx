// The tail of a job's log, following its end unless the reader scrolled up,
// with a level filter: a level shows its lines and those more severe, as a
// log viewer's threshold does.
import type { LogEvent } from '@threadline/core/client';
import { useEffect, useRef, useState } from 'react';

type Level = LogEvent['level'];
const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];
const rank = (level: Level) => LEVELS.indexOf(level);

export function LogTail({ logs }: { logs: LogEvent[] }) {
  const [threshold, setThreshold] = useState<Level>('debug');
  const shown = threshold === 'debug' ? logs : logs.filter((log) => rank(log.level) >= rank(threshold));
  const tail = useRef<HTMLOListElement>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new line is the trigger.
  useEffect(() => {
    const list = tail.current;
    if (list && list.scrollHeight - list.scrollTop - list.clientHeight < 60)
      list.scrollTop = list.scrollHeight;
  }, [shown.length]);
  return (
    <>
      <h3>Log {logs.length > 0 && <span className="count">last {logs.length}</span>}</h3>
      {logs.length > 0 && (
        <div className="state-tabs" role="tablist" aria-label="Log level">
          {LEVELS.map((level) => {
            const n = logs.filter((log) => rank(log.level) >= rank(level)).length;
            return (
              <button
                key={level}
                type="button"
                role="tab"
                aria-selected={level === threshold}
                className={`tab${level === threshold ? ' chosen' : ''}${n === 0 ? ' zero' : ''}`}
                data-testid={`log-level-${level}`}
                onClick={() => setThreshold(level)}
              >
                {level === 'debug' ? 'all' : `${level}+`} <span className="tab-count">{n}</span>
              </button>
            );
          })}
        </div>
      )}
      {shown.length === 0 ? (
        <p className="empty">{logs.length === 0 ? 'None.' : `No ${threshold} lines or worse.`}</p>
      ) : (
        <ol className="logs" ref={tail} data-testid="logs">
          {shown.map((log) => (
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
