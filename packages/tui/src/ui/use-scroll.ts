// Scrolling a screen of lines (details, help) with the keys and the wheel. The
// screen tells how many lines it has and how many rows it shows as it draws
// (`measure`), so a key never scrolls past the last screenful.
import type { Key } from 'ink';
import { useRef } from 'react';
import { scrolledRows } from './Scrolled.js';
import { useLiveState } from './use-live-state.js';

export interface Scroll {
  offset: number;
  measure(count: number, height: number): void;
  by(lines: number): void;
  /** Scrolls for ↑ ↓ j k PgUp PgDn g G Home End; false for any other key. */
  onKey(input: string, key: Key): boolean;
  reset(): void;
}

export function useScroll(): Scroll {
  const [getOffset, setOffset] = useLiveState(0);
  const size = useRef({ count: 0, height: 1 });
  const last = () => Math.max(0, size.current.count - scrolledRows(size.current.count, size.current.height));
  const to = (offset: number) => setOffset(Math.max(0, Math.min(last(), offset)));
  const page = () => Math.max(1, scrolledRows(size.current.count, size.current.height) - 1);
  return {
    offset: getOffset(),
    measure(count, height) {
      size.current = { count, height };
    },
    by: (lines) => to(getOffset() + lines),
    onKey(input, key) {
      if (key.upArrow || input === 'k') to(getOffset() - 1);
      else if (key.downArrow || input === 'j') to(getOffset() + 1);
      else if (key.pageUp) to(getOffset() - page());
      else if (key.pageDown || input === ' ') to(getOffset() + page());
      else if (key.home || input === 'g') to(0);
      else if (key.end || input === 'G') to(last());
      else return false;
      return true;
    },
    reset: () => setOffset(0),
  };
}
