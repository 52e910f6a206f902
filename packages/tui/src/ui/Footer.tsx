// The bottom line: the keys that work right now, htop-style.
import { Box, Text } from 'ink';

export type KeyHint = readonly [key: string, label: string];

export function Footer({ hints, columns }: { hints: readonly KeyHint[]; columns: number }) {
  // Drop hints from the end rather than wrap: the footer must stay one line at 80 columns.
  const shown: KeyHint[] = [];
  let width = 0;
  for (const hint of hints) {
    const w = hint[0].length + hint[1].length + 3;
    if (width + w > columns) break;
    shown.push(hint);
    width += w;
  }
  return (
    <Box>
      {shown.map(([key, label]) => (
        <Text key={key}>
          <Text bold>{` ${key}`}</Text>
          <Text backgroundColor="cyan" color="black">{` ${label}`}</Text>
          <Text> </Text>
        </Text>
      ))}
    </Box>
  );
}
