// What every measure module exports, and what it is given.
import type { BenchRecord } from './record.js';

export interface MeasureContext {
  /** `--quick`: fewer runs and samples, same shape, under two minutes in all. */
  quick: boolean;
  /** Worker threads for Threadline and every peer alike. */
  threads: number;
  log(message: string): void;
}

export interface Measure {
  /** Short id for `--only` (dispatch, round-trip, ...). */
  id: string;
  /** The measure's number in the issue. */
  number: number;
  title: string;
  run(ctx: MeasureContext): Promise<BenchRecord[]>;
}
