// The table printed at the end of a run.
import type { BenchRecord } from '../record.js';
import { formatNumber, formatPeers, formatRatioColumn, formatVerdict } from './format.js';

const HEADER = ['#', 'measure', 'threadline', 'peers', 'ratio', 'goal', 'result'];

export function formatTable(records: readonly BenchRecord[]): string {
  const rows = records.map((r) => [
    String(r.measure),
    r.name,
    r.status === 'measured' ? `${formatNumber(r.threadline)} ${r.unit}` : '—',
    formatPeers(r),
    formatRatioColumn(r),
    r.goal?.text ?? '—',
    formatVerdict(r),
  ]);
  const widths = HEADER.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ');
  const notes = records
    .filter((r) => r.note)
    .map((r) => `  ${r.measure}. ${r.name}: ${r.note}`)
    .join('\n');
  return [
    line(HEADER),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...(notes ? ['', 'notes:', notes] : []),
  ].join('\n');
}

/** The same table as Markdown, for RESULTS.md. */
export function formatMarkdown(records: readonly BenchRecord[]): string {
  const escapeCell = (cell: string) => cell.replaceAll('|', '\\|');
  const rows = records.map((r) =>
    [
      String(r.measure),
      r.name,
      r.status === 'measured' ? `${formatNumber(r.threadline)} ${r.unit}` : '—',
      formatPeers(r),
      formatRatioColumn(r),
      r.goal?.text ?? '—',
      formatVerdict(r) === 'MISS' ? '**miss**' : formatVerdict(r),
    ].map(escapeCell),
  );
  return [
    `| ${HEADER.join(' | ')} |`,
    `|${HEADER.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}
