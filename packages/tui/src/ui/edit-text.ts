// The one way text is typed into a field here (filter, form): append, delete, clear.
import type { Key } from 'ink';

/** The text after a key press, or null when the key is not an edit. */
export function editText(text: string, input: string, key: Key): string | null {
  // Terminals send DEL (0x7f) for backspace, which ink reports as `delete`.
  if (key.backspace || key.delete) return text.slice(0, -1);
  if (key.ctrl && input === 'u') return '';
  if (key.ctrl || key.meta || key.escape || key.return || key.tab) return null;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return null;
  if (input === '' || [...input].some((char) => char < ' ')) return null;
  return text + input;
}
