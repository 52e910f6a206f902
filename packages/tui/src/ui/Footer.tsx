// The bottom line: the keys that work right now, htop-style, as many as fit.
import { Box } from 'ink';
import { useColor } from './color.js';
import { Text } from './Text.js';

/** A key and what it does; `drop` says which go first when the line is too narrow (higher first, default 0). */
export type KeyHint = readonly [key: string, label: string, drop?: number];

const hintWidth = ([key, label]: KeyHint) => key.length + label.length + 3;

/**
 * The hints that fit in `columns`, in their order: those with the highest `drop` give way first,
 * the last of them first, so a wide terminal shows every key and 80 columns the ones that matter.
 */
export function fitHints(hints: readonly KeyHint[], columns: number): KeyHint[] {
  const shown = [...hints];
  let width = shown.reduce((sum, hint) => sum + hintWidth(hint), 0);
  while (width > columns && shown.length > 0) {
    let at = shown.length - 1;
    for (let i = shown.length - 1; i >= 0; i--) if ((shown[i]![2] ?? 0) > (shown[at]![2] ?? 0)) at = i;
    width -= hintWidth(shown[at]!);
    shown.splice(at, 1);
  }
  return shown;
}

export function Footer({ hints, columns }: { hints: readonly KeyHint[]; columns: number }) {
  const colored = useColor();
  // Never wrapped: the footer stays one line.
  return (
    <Box>
      {fitHints(hints, columns).map(([key, label]) => (
        <Text key={key}>
          <Text bold>{` ${key}`}</Text>
          <Text backgroundColor="cyan" color="black" inverse={!colored}>{` ${label}`}</Text>
          <Text> </Text>
        </Text>
      ))}
    </Box>
  );
}
