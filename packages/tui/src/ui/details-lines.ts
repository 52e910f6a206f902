// One job's details as lines for the details screen to scroll: input, counts,
// times, what it resumes or resumed it, summary or error, failed items, logs.
// Long values wrap under their label instead of being cut.
import { formatDuration, type JobDetails, type JobSnapshot, type LogEvent } from '@threadline/core/client';
import type { Line } from './Scrolled.js';
import { wrapText } from './wrap.js';

const LABEL = 8;

export const clockTime = (at: number | null): string => (at ? new Date(at).toLocaleTimeString() : '—');

const LOG_COLOR: Record<LogEvent['level'], string> = {
  debug: 'gray',
  info: 'white',
  warn: 'yellow',
  error: 'red',
};

/**
 * How a person counts an item: its position from 1 (stored positions start at 0), and its
 * label when that says more than the number.
 */
export function itemName(index: number, label: string | null): string {
  const number = `#${index + 1}`;
  return label && label !== String(index + 1) ? `${number} ${label}` : number;
}

export function detailsLines(
  job: JobSnapshot,
  details: JobDetails | null,
  error: string | null,
  width: number,
  now = Date.now(),
): Line[] {
  const { items } = job;
  const took =
    job.startedAt === null
      ? ''
      : ` · took ${formatDuration(((job.finishedAt ?? now) - job.startedAt) / 1000)}`;
  const head: [string, string][] = [
    [
      'Items',
      `${items.total ?? '?'} total · ${items.succeeded} ok · ${items.failed} failed · ${items.cancelled} cancelled`,
    ],
    ['Input', JSON.stringify(job.input)],
    [
      'Times',
      `queued ${clockTime(job.createdAt)} · started ${clockTime(job.startedAt)} · ended ${clockTime(job.finishedAt)}${took}`,
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

  const lines: Line[] = [];
  const indent = ' '.repeat(LABEL);
  for (const [label, value] of head) {
    const [first = '', ...rest] = wrapText(`${label.padEnd(LABEL)}${value}`, width, indent);
    lines.push({ text: first }, ...rest.map((text) => ({ text })));
  }

  const failures = details?.failures ?? [];
  const logs = details?.logs ?? [];
  // Past the first 500 the engine lists, the count says how many are not.
  const listed = details && failures.length < items.failed ? `, first ${failures.length} listed` : '';
  lines.push({
    text: `Failures (${Math.max(items.failed, failures.length)}${listed})${error ? `  ${error}` : ''}`,
    bold: true,
    color: failures.length > 0 || error ? 'red' : 'white',
  });
  for (const failure of failures) {
    const text = `  ${itemName(failure.index, failure.label)}: ${failure.error?.message ?? 'failed'}`;
    for (const part of wrapText(text, width, '    ')) lines.push({ text: part });
  }
  lines.push({ text: `Logs (${logs.length})`, bold: true });
  for (const log of logs) {
    const where = log.item === null ? '' : ` #${log.item + 1}`;
    const text = `  ${clockTime(log.at)} ${log.level.padEnd(5)}${where} ${log.message}`;
    for (const part of wrapText(text, width, '    ')) lines.push({ text: part, color: LOG_COLOR[log.level] });
  }
  return lines;
}
