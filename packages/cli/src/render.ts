// How `threadline run` shows a job: a live bar redrawn in place on a terminal,
// one plain line a second otherwise (logs, CI), or every event as JSON.
import { formatProgressLine, type Progress } from '@threadline/core';

export interface ProgressView {
  progress(progress: Progress): void;
  /** A line that stays (a log, a failed item), printed above the bar. */
  line(text: string): void;
  /** Clears the bar, leaving the last plain line when there is no terminal. */
  end(): void;
}

const BAR_WIDTH = 24;

export function bar(fraction: number | null, width = BAR_WIDTH): string {
  if (fraction === null) return `[${'·'.repeat(width)}]`;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

export function terminalView(out: NodeJS.WriteStream, unit: string): ProgressView {
  let current = '';
  const draw = () => {
    const columns = out.columns || 80;
    out.write(`\r\x1b[2K${current.slice(0, columns - 1)}`);
  };
  return {
    progress(progress) {
      current = `${bar(progress.fraction)} ${formatProgressLine(progress, unit)}`;
      draw();
    },
    line(text) {
      out.write(`\r\x1b[2K${text}\n`);
      if (current) draw();
    },
    end() {
      if (current) out.write('\r\x1b[2K');
      current = '';
    },
  };
}

export function plainView(out: NodeJS.WritableStream, unit: string, intervalMs = 1000): ProgressView {
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
    end() {
      if (last && last !== printed) out.write(`${formatProgressLine(last, unit)}\n`);
    },
  };
}
