// Writes results/latest.json on every run, and RESULTS.md after a full run of
// every measure (a quick or partial run is not the record of the project).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchRecord } from '../record.js';
import { describeMachine, type Machine } from './machine.js';
import { formatMarkdown } from './table.js';

const BENCH_DIR = new URL('../../', import.meta.url);

export interface RunInfo {
  quick: boolean;
  threads: number;
  /** Every measure ran (no --only). */
  complete: boolean;
  seconds: number;
  /** 1-minute load average when the run started. */
  loadAtStart: number;
}

interface Latest extends RunInfo {
  date: string;
  machine: Machine;
  records: BenchRecord[];
}

/** RESULTS.md again from the last full run's latest.json, e.g. after ANALYSIS.md changed. */
export function rewriteResults(): string {
  const latest = JSON.parse(readFileSync(new URL('results/latest.json', BENCH_DIR), 'utf8')) as Latest;
  if (!latest.complete || latest.quick) throw new Error('results/latest.json is not from a full run');
  writeFileSync(
    new URL('RESULTS.md', BENCH_DIR),
    resultsPage(latest.records, latest, latest.machine, latest.date),
  );
  return 'bench/RESULTS.md';
}

export function writeResults(records: readonly BenchRecord[], run: RunInfo): string[] {
  const machine = describeMachine();
  const date = new Date().toISOString();
  mkdirSync(new URL('results/', BENCH_DIR), { recursive: true });
  const json = new URL('results/latest.json', BENCH_DIR);
  writeFileSync(json, `${JSON.stringify({ date, machine, ...run, records }, null, 2)}\n`);
  const written = ['bench/results/latest.json'];
  if (run.complete && !run.quick) {
    writeFileSync(new URL('RESULTS.md', BENCH_DIR), resultsPage(records, run, machine, date));
    written.push('bench/RESULTS.md');
  }
  return written;
}

function resultsPage(records: readonly BenchRecord[], run: RunInfo, machine: Machine, date: string): string {
  const misses = records.filter((r) => r.pass === false);
  const missing = records.filter((r) => r.status !== 'measured');
  const notes = records.filter((r) => r.note).map((r) => `- **${r.measure}. ${r.name}**: ${r.note}`);
  const analysis = readAnalysis();
  return [
    '# Benchmark results',
    '',
    `Last full run: ${date.slice(0, 16).replace('T', ' ')} UTC, ${run.seconds.toFixed(0)} s,`,
    `on ${machine.cpu} (${machine.cores} cores, ${machine.memoryGb} GB), ${machine.os}, Node ${machine.node};`,
    `${run.threads} worker threads for Threadline and every peer; 1-minute load average at the end: ${machine.loadAverage}`,
    `(${run.loadAtStart} at the start; above ${machine.cores}, other processes were competing for the cores).`,
    '',
    'Written by `npm run bench` (see [README.md](README.md) for what each measure does).',
    'Absolute numbers on a shared machine are noise; the ratio against a peer measured in the same run is the result.',
    '',
    formatMarkdown(records),
    '',
    `Goals missed: ${misses.length ? misses.map((r) => `${r.measure} (${r.name})`).join('; ') : 'none'}.`,
    `Not measured: ${missing.length ? missing.map((r) => `${r.measure} (${r.status})`).join('; ') : 'none'}.`,
    '',
    ...(notes.length ? ['## Notes', '', ...notes, ''] : []),
    ...(analysis ? [analysis.trimEnd(), ''] : []),
  ].join('\n');
}

/** The hand-written reading of the numbers (why a goal is missed, what would close it), kept across runs. */
function readAnalysis(): string | undefined {
  try {
    return readFileSync(new URL('ANALYSIS.md', BENCH_DIR), 'utf8');
  } catch {
    return undefined;
  }
}
