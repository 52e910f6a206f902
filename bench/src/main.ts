// `npm run bench [-- --quick] [-- --only=dispatch,cancel]`: runs the measures
// one after another, prints the table, writes results/latest.json, and on a
// full run of every measure, RESULTS.md.
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { MeasureContext } from './measure.js';
import { measures } from './measures/index.js';
import { type BenchRecord, unavailable } from './record.js';
import { formatTable } from './report/table.js';
import { rewriteResults, writeResults } from './report/write.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    threads: { type: 'string' },
    'rewrite-results': { type: 'boolean', default: false },
  },
});

if (values['rewrite-results']) {
  // Re-renders RESULTS.md from results/latest.json (after editing ANALYSIS.md), measuring nothing.
  console.log(`wrote ${rewriteResults()}`);
  process.exit(0);
}

const only = values.only?.split(',').map((id) => id.trim());
const unknown = only?.filter((id) => !measures.some((m) => m.id === id)) ?? [];
if (unknown.length) {
  console.error(`unknown measure ${unknown.join(', ')}; known: ${measures.map((m) => m.id).join(', ')}`);
  process.exit(2);
}
const selected = only ? measures.filter((m) => only.includes(m.id)) : measures;
const ctx: MeasureContext = {
  quick: values.quick,
  threads: values.threads ? Number(values.threads) : Math.min(2, availableParallelism()),
  log: (message) => {
    if (values.verbose) console.error(`  ${message}`);
  },
};

const started = Date.now();
const loadAtStart = Math.round(loadavg()[0]! * 10) / 10;
const records: BenchRecord[] = [];
for (const measure of selected) {
  const t0 = Date.now();
  process.stderr.write(`${measure.number}. ${measure.title} … `);
  try {
    records.push(...(await measure.run(ctx)));
    process.stderr.write(`${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    records.push(unavailable(measure.number, measure.title, 'error', message));
  }
}

console.log(formatTable(records));
const written = writeResults(records, {
  quick: ctx.quick,
  threads: ctx.threads,
  complete: !only,
  seconds: (Date.now() - started) / 1000,
  loadAtStart,
});
console.log(`\nwrote ${written.join(', ')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
// Peers' and engines' handles are closed; anything left (a stray timer in a dependency) must not keep us here.
process.exit(0);
