// Ink's Text with its colours left out when colour is off (NO_COLOR; see color.ts).
// Every component draws text through this one, so none can forget to check.
import { Text as InkText, type TextProps } from 'ink';
import { useColor } from './color.js';

export function Text({ color, backgroundColor, ...rest }: TextProps) {
  const colored = useColor();
  if (!colored) return <InkText {...rest} />;
  return (
    <InkText
      {...rest}
      {...(color !== undefined ? { color } : {})}
      {...(backgroundColor !== undefined ? { backgroundColor } : {})}
    />
  );
}
