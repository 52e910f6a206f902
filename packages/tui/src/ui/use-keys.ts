// ink's useInput, one key at a time. ink hands a run of plain bytes over as
// one input ("\r\x7f40" when keys arrive together: a fast typist, a paste,
// tmux send-keys), which would read as neither enter nor backspace. Here such
// a run is split into the keys it is made of. Mouse reports (mouse.ts) go to
// their own handler, and F1, which ink's Key has no flag for, comes as `f1`.
import { type Key, useInput, useStdin } from 'ink';
import { useEffect, useRef } from 'react';
import { type MouseEvent, parseMouse } from './mouse.js';

/** A key as ink tells it, and F1. */
export interface KeyPress extends Key {
  f1?: boolean;
}

type Handler = (input: string, key: KeyPress) => void;

/** A key press with no flags set: a plain character. */
export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** F1 as xterm, the Linux console and rxvt send it. */
const F1 = new Set(['\u001bOP', '\u001b[11~', '\u001b[[A']);

/** The keys in a run of input, one per character. Handlers read live state, so a pasted text still types whole. */
export function splitKeys(input: string, key: Key): [string, Key][] {
  if (input.length <= 1 || key.meta || key.escape) return [[input, key]];
  return [...input].map((char): [string, Key] => {
    if (char === '\r' || char === '\n') return ['', { ...NO_KEY, return: true }];
    if (char === '\u007f' || char === '\b') return ['', { ...NO_KEY, delete: true }];
    if (char === '\t') return ['', { ...NO_KEY, tab: true }];
    if (char < ' ') return [String.fromCharCode(char.charCodeAt(0) + 96), { ...NO_KEY, ctrl: true }];
    return [char, NO_KEY];
  });
}

export function useKeys(
  handler: Handler,
  options: { isActive?: boolean; onMouse?: (event: MouseEvent) => void } = {},
): void {
  const { internal_eventEmitter: events } = useStdin();
  const latest = useRef({ handler, onMouse: options.onMouse });
  latest.current = { handler, onMouse: options.onMouse };
  useInput(
    (input, key) => {
      const mouse = parseMouse(input);
      if (mouse !== undefined) {
        if (mouse) latest.current.onMouse?.(mouse);
        return;
      }
      for (const [chars, k] of splitKeys(input, key)) handler(chars, k);
    },
    { ...(options.isActive !== undefined ? { isActive: options.isActive } : {}) },
  );
  // useInput reads F1 as a key without text or flag: its raw sequence tells it apart.
  useEffect(() => {
    if (options.isActive === false || !events) return;
    const onRaw = (raw: string) => {
      if (F1.has(raw)) latest.current.handler('', { ...NO_KEY, f1: true });
    };
    events.on('input', onRaw);
    return () => {
      events.off('input', onRaw);
    };
  }, [events, options.isActive]);
}
