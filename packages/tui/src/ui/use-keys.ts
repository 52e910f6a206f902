// ink's useInput, one key at a time. ink hands a run of plain bytes over as
// one input ("\r\x7f40" when keys arrive together: a fast typist, a paste,
// tmux send-keys), which would read as neither enter nor backspace. Here such
// a run is split into the keys it is made of.
import { type Key, useInput } from 'ink';

type Handler = (input: string, key: Key) => void;

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

export function useKeys(handler: Handler, options: { isActive?: boolean } = {}): void {
  useInput((input, key) => {
    for (const [chars, k] of splitKeys(input, key)) handler(chars, k);
  }, options);
}
