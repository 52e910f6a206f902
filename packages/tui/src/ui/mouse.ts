// The mouse, as xterm reports it once asked to: button presses and the wheel
// (mode 1000) in SGR form (mode 1006: `ESC [ < button ; column ; row M`, 1-based,
// with no limit at column 223 as the old form has). run.tsx turns it on and,
// whatever way the TUI ends, off again.

export const MOUSE_ON = '\u001b[?1000h\u001b[?1006h';
export const MOUSE_OFF = '\u001b[?1006l\u001b[?1000l';

export type MouseEvent =
  | { kind: 'click'; column: number; row: number }
  | { kind: 'wheel'; direction: -1 | 1; column: number; row: number };

/** A report after its ESC (ink hands it over without). */
const SGR = /^\[<(\d+);(\d+);(\d+)([Mm])$/;

/** The mouse event `input` reports, or null for a key, a release, a middle or right button. */
export function parseMouse(input: string): MouseEvent | null | undefined {
  const match = SGR.exec(input.startsWith('\u001b') ? input.slice(1) : input);
  if (!match) return undefined;
  const [, code, column, row, end] = match;
  const button = Number(code);
  const at = { column: Number(column), row: Number(row) };
  // 64 and 65 are the wheel; the low bits are the button, 4/8/16 the modifiers, 32 a drag.
  if ((button & 64) !== 0) return { kind: 'wheel', direction: (button & 1) === 0 ? -1 : 1, ...at };
  if (end === 'M' && (button & 3) === 0 && (button & 32) === 0) return { kind: 'click', ...at };
  return null;
}
