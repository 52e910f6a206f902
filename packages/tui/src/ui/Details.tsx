// One job in full: input, counts, times, what it resumes or resumed it, summary
// or error, failed items, logs.
// The snapshot comes live from the store; failures and logs are fetched, and
// fetched again while the job runs.
import {
  barFraction,
  formatBar,
  formatDuration,
  isFinal,
  type JobClient,
  type JobDetails,
  type JobSnapshot,
  type LogEvent,
} from '@threadline/core/client';
import { Box, Text } from 'ink';
import { useEffect, useState } from 'react';
import { fit, jobLine, STATE_COLOR } from './format.js';

const REFRESH_MS = 1000;

const time = (at: number | null) => (at ? new Date(at).toLocaleTimeString() : '—');

export function Details({
  client,
  job,
  height,
  columns,
}: {
  client: JobClient;
  job: JobSnapshot;
  height: number;
  columns: number;
}) {
  const [details, setDetails] = useState<JobDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const final = isFinal(job.state);

  useEffect(() => {
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const load = () => {
      client
        .details(job.id)
        .then((found) => {
          if (stopped) return;
          setDetails(found ?? null);
          setError(found ? null : 'this job is no longer stored');
        })
        .catch(
          (reason: unknown) =>
            !stopped && setError(reason instanceof Error ? reason.message : String(reason)),
        )
        .finally(() => {
          if (!stopped && !final) timer = setTimeout(load, REFRESH_MS);
        });
    };
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, job.id, final]);

  const width = columns;
  const { items } = job;
  const took =
    job.startedAt === null
      ? ''
      : ` · took ${formatDuration(((job.finishedAt ?? Date.now()) - job.startedAt) / 1000)}`;
  const head: [string, string][] = [
    [
      'Items',
      `${items.total ?? '?'} total · ${items.succeeded} ok · ${items.failed} failed · ${items.cancelled} cancelled`,
    ],
    ['Input', JSON.stringify(job.input)],
    [
      'Times',
      `queued ${time(job.createdAt)} · started ${time(job.startedAt)} · ended ${time(job.finishedAt)}${took}`,
    ],
  ];
  if (job.maxFailures !== undefined) {
    const limit = job.maxFailures < 1 ? 'that share of its items' : 'that many items';
    head.push(['Limit', `maxFailures ${job.maxFailures}: it fails once ${limit} failed`]);
  }
  if (job.resumeOf) head.push(['Resumes', `${job.resumeOf}: what succeeded there is not run again`]);
  if (job.resumedAs) head.push(['Resumed', `as ${job.resumedAs}`]);
  if (job.summary !== null && job.summary !== undefined) head.push(['Summary', JSON.stringify(job.summary)]);
  // An interrupted job did not go wrong: something stopped it (a shutdown, a crash), and r picks it up.
  if (job.error) head.push([job.state === 'interrupted' ? 'Reason' : 'Error', job.error.message]);

  const failures = details?.failures ?? [];
  const logs = details?.logs ?? [];
  // Fixed lines: title, bar, head rows, two section titles.
  const room = Math.max(0, height - 2 - head.length - 2);
  const failureRows = Math.min(failures.length, logs.length > 0 ? Math.ceil(room / 2) : room);
  const logRows = Math.max(0, room - failureRows);

  return (
    <Box flexDirection="column" height={height}>
      <Text>
        <Text bold>{job.name}</Text>
        <Text> </Text>
        <Text color={STATE_COLOR[job.state]}>{job.state}</Text>
        <Text dimColor>
          {fit(`  ${job.title} · ${job.id}`, Math.max(0, width - job.name.length - job.state.length - 1))}
        </Text>
      </Text>
      <Text>
        <Text color={STATE_COLOR[job.state]}>{formatBar(barFraction(job), 20)}</Text>
        <Text>{` ${fit(jobLine(job), width - 21)}`}</Text>
      </Text>
      {head.map(([label, value]) => (
        <Text key={label}>
          <Text bold>{label.padEnd(8)}</Text>
          <Text>{fit(value, width - 8)}</Text>
        </Text>
      ))}
      <Text bold color={failures.length > 0 ? 'red' : 'white'}>
        {`Failures (${failures.length}${failures.length > failureRows ? `, first ${failureRows}` : ''})`}
        {error ? <Text color="red">{`  ${error}`}</Text> : null}
      </Text>
      {failures.slice(0, failureRows).map((failure) => (
        <Text key={failure.seq}>
          {fit(
            `  #${failure.index + 1}${failure.label ? ` ${failure.label}` : ''}: ${failure.error?.message ?? 'failed'}`,
            width,
          )}
        </Text>
      ))}
      <Text bold>{`Logs (${logs.length}${logs.length > logRows ? `, last ${logRows}` : ''})`}</Text>
      {logs.slice(Math.max(0, logs.length - logRows)).map((log) => (
        <LogLine key={log.seq} log={log} width={width} />
      ))}
    </Box>
  );
}

const LOG_COLOR: Record<LogEvent['level'], string> = {
  debug: 'gray',
  info: 'white',
  warn: 'yellow',
  error: 'red',
};

function LogLine({ log, width }: { log: LogEvent; width: number }) {
  const where = log.item === null ? '' : ` #${log.item + 1}`;
  return (
    <Text color={LOG_COLOR[log.level]}>
      {fit(`  ${time(log.at)} ${log.level.padEnd(5)}${where} ${log.message}`, width)}
    </Text>
  );
}
