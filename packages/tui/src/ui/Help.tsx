// The help screen: every key (help-lines.ts), scrolled when it does not fit.
import { Box } from 'ink';
import { type Line, Scrolled } from './Scrolled.js';
import { Text } from './Text.js';

export function Help({
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
  return (
    <Box flexDirection="column" height={height}>
      <Text bold>Keys · esc goes back</Text>
      <Scrolled lines={lines} offset={offset} height={Math.max(1, height - 1)} columns={columns} />
    </Box>
  );
}
