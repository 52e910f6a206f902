// How `threadline run` shows a job: a live bar redrawn in place on a terminal,
// one plain line a second otherwise (logs, CI), only what went wrong with
// --quiet, or every event as JSON. What went wrong goes to stderr.
import { barFraction, formatBar, formatJobProgressLine, type JobSnapshot } from '@threadline/core';

export interface ProgressView {
  /** The job as its events have left it: its progress, and its items by outcome. */
  progress(job: JobSnapshot): void;
  /** A line that stays (a log), printed above the bar. */
  line(text: string): void;
  /** How the job ended, and its summary: shown even with --quiet. */
  outcome(text: string): void;
  /** A failed item or an error: to stderr, above the bar. */
  problem(text: string): void;
  /**
   * The job has ended: its last line says how far it got by what succeeded, so a job that
   * ended partial, failed or cancelled never reads 100%.
   */
  end(job: JobSnapshot): void;
}

const BAR_WIDTH = 24;

/**
 * The last sample of a job with failed or cancelled items reads 100% (every item ran) a moment
 * before the job ends short of it: it is not shown, the final line says how the job ended.
 */
const fullButShort = (job: JobSnapshot) =>
  job.progress.fraction === 1 && (job.items.failed > 0 || job.items.cancelled > 0);

const barLine = (job: JobSnapshot) =>
  `[${formatBar(barFraction(job), BAR_WIDTH)}] ${formatJobProgressLine(job)}`;

export function terminalView(
  out: NodeJS.WriteStream,
  err: NodeJS.WritableStream = process.stderr,
): ProgressView {
  let current = '';
  let seen = false;
  const draw = () => {
    const columns = out.columns || 80;
    out.write(`\r\x1b[2K${current.slice(0, columns - 1)}`);
  };
  return {
    progress(job) {
      seen = true;
      if (fullButShort(job)) return;
      current = barLine(job);
      draw();
    },
    line(text) {
      out.write(`\r\x1b[2K${text}\n`);
      if (current) draw();
    },
    outcome(text) {
      this.line(text);
    },
    problem(text) {
      if (current) out.write('\r\x1b[2K');
      err.write(`${text}\n`);
      if (current) draw();
    },
    end(job) {
      // The bar stays, drawn once more from the final counts.
      if (!seen) return;
      current = barLine(job);
      draw();
      out.write('\n');
      current = '';
    },
  };
}

export function plainView(
  out: NodeJS.WritableStream,
  { intervalMs = 1000, err = process.stderr }: { intervalMs?: number; err?: NodeJS.WritableStream } = {},
): ProgressView {
  let seen = false;
  let printedAt = 0;
  let printed: string | undefined;
  const print = (text: string) => {
    printed = text;
    out.write(`${text}\n`);
  };
  return {
    progress(job) {
      seen = true;
      const now = Date.now();
      if (now - printedAt < intervalMs || fullButShort(job)) return;
      printedAt = now;
      print(formatJobProgressLine(job));
    },
    line(text) {
      out.write(`${text}\n`);
    },
    outcome(text) {
      out.write(`${text}\n`);
    },
    problem(text) {
      err.write(`${text}\n`);
    },
    end(job) {
      // Only a job that showed progress has a last line; it is not said twice.
      if (!seen) return;
      const last = formatJobProgressLine(job);
      if (last !== printed) print(last);
    },
  };
}

/** --quiet: failures, errors and the outcome line only. */
export function quietView(
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream = process.stderr,
): ProgressView {
  return {
    progress() {},
    line() {},
    outcome(text) {
      out.write(`${text}\n`);
    },
    problem(text) {
      err.write(`${text}\n`);
    },
    end() {},
  };
}
