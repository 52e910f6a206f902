// How `threadline run` shows a job: a live bar redrawn in place on a terminal,
// one plain line a second otherwise (logs, CI), only what went wrong with
// --quiet, or every event as JSON. What went wrong goes to stderr.
import { formatBar, formatProgressLine, type Progress } from '@threadline/core';

export interface ProgressView {
  progress(progress: Progress): void;
  /** A line that stays (a log), printed above the bar. */
  line(text: string): void;
  /** How the job ended, and its summary: shown even with --quiet. */
  outcome(text: string): void;
  /** A failed item or an error: to stderr, above the bar. */
  problem(text: string): void;
  /** Clears the bar, leaving the last plain line when there is no terminal. */
  end(): void;
}

const BAR_WIDTH = 24;

export function terminalView(
  out: NodeJS.WriteStream,
  unit: string,
  err: NodeJS.WritableStream = process.stderr,
): ProgressView {
  let current = '';
  const draw = () => {
    const columns = out.columns || 80;
    out.write(`\r\x1b[2K${current.slice(0, columns - 1)}`);
  };
  return {
    progress(progress) {
      current = `[${formatBar(progress.fraction, BAR_WIDTH)}] ${formatProgressLine(progress, unit)}`;
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
    end() {
      if (current) out.write('\r\x1b[2K');
      current = '';
    },
  };
}

export function plainView(
  out: NodeJS.WritableStream,
  unit: string,
  { intervalMs = 1000, err = process.stderr }: { intervalMs?: number; err?: NodeJS.WritableStream } = {},
): ProgressView {
  let last: Progress | undefined;
  let printedAt = 0;
  let printed: Progress | undefined;
  return {
    progress(progress) {
      last = progress;
      const now = Date.now();
      if (now - printedAt < intervalMs) return;
      printedAt = now;
      printed = progress;
      out.write(`${formatProgressLine(progress, unit)}\n`);
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
    end() {
      if (last && last !== printed) out.write(`${formatProgressLine(last, unit)}\n`);
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
