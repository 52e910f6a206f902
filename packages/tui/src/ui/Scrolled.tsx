// Lines shown a screenful at a time from `offset`, with a last line saying
// where in them the screen is when they do not all fit.
import { Box } from 'ink';
import { fit } from './format.js';
import { Text } from './Text.js';

/** One line of a scrolled screen, already no wider than the screen. */
export interface Line {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
}

/** The first line shown for `offset`: never past the last screenful. */
export const clampOffset = (offset: number, count: number, height: number): number =>
  Math.max(0, Math.min(offset, count - scrolledRows(count, height)));

/** How many of the lines a screen of `height` shows: one row goes to the position when they overflow. */
export const scrolledRows = (count: number, height: number): number =>
  count <= height ? count : Math.max(1, height - 1);

export function Scrolled({
  lines,
  offset,
  height,
  columns,
}: {
  lines: readonly Line[];
  offset: number;
  height: number;
  columns: number;
}) {
  const rows = scrolledRows(lines.length, height);
  const from = clampOffset(offset, lines.length, height);
  // Keyed by place in the lines: the same line keeps its element as the screen scrolls.
  const shown = lines.slice(from, from + rows).map((line, i) => ({ line, at: from + i }));
  return (
    <Box flexDirection="column" height={height}>
      {shown.map(({ line, at }) => (
        <Text
          key={at}
          {...(line.color ? { color: line.color } : {})}
          bold={line.bold ?? false}
          dimColor={line.dim ?? false}
        >
          {fit(line.text, columns)}
        </Text>
      ))}
      {rows < lines.length && (
        <Text dimColor>
          {fit(
            `  ${from + 1}–${from + shown.length} of ${lines.length} lines${from + rows < lines.length ? ' · ↓ more' : ''}`,
            columns,
          )}
        </Text>
      )}
    </Box>
  );
}
