// Numbers as a person reads them in a table: three significant digits, units kept.
import type { BenchRecord } from '../record.js';

export function formatNumber(value: number | null): string {
  if (value === null || Number.isNaN(value)) return '—';
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)}M`;
  if (abs >= 10_000) return `${(value / 1000).toFixed(1)}k`;
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

export const formatRatio = (ratio: number | null): string => (ratio === null ? '—' : `${ratio.toFixed(2)}x`);

export function formatPeers(record: BenchRecord): string {
  const entries = Object.entries(record.peers);
  if (entries.length === 0) return '—';
  return entries.map(([name, value]) => `${name} ${formatNumber(value)}`).join(', ');
}

export function formatVerdict(record: BenchRecord): string {
  if (record.status !== 'measured') return record.status;
  if (record.pass === null) return 'info';
  return record.pass ? 'pass' : 'MISS';
}

export function formatRatioColumn(record: BenchRecord): string {
  return record.ratio === null ? '—' : `${formatRatio(record.ratio)} ${record.ratioOf ?? ''}`.trim();
}
