// State that key handlers can read right after setting it. Keys can arrive
// faster than renders (a paste, a key held down, tmux send-keys): a handler
// reading useState's value would see the state before the previous key, and
// `4`,`0` typed quickly would leave "0". Reads go through a ref instead.
import { useCallback, useReducer, useRef } from 'react';

export function useLiveState<T>(
  initial: T | (() => T),
): [get: () => T, set: (next: T | ((current: T) => T)) => void] {
  const ref = useRef<{ value: T } | null>(null);
  if (ref.current === null) {
    ref.current = { value: typeof initial === 'function' ? (initial as () => T)() : initial };
  }
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const get = useCallback(() => ref.current!.value, []);
  const set = useCallback((next: T | ((current: T) => T)) => {
    const box = ref.current!;
    const value = typeof next === 'function' ? (next as (current: T) => T)(box.value) : next;
    if (Object.is(value, box.value)) return;
    box.value = value;
    rerender();
  }, []);
  return [get, set];
}
