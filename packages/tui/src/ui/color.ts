// Whether the TUI draws in colour. chalk (under Ink) reads FORCE_COLOR but not
// NO_COLOR (no-color.org), so the TUI reads both: a FORCE_COLOR that is set
// wins, as in Node's own tty.getColorDepth; else a non-empty NO_COLOR turns
// colour off. Bold, dim and inverse are not colour and stay (the selected row
// must still stand out).
import { createContext, useContext } from 'react';

export function colorWanted(env: Record<string, string | undefined>): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return env.NO_COLOR === undefined || env.NO_COLOR === '';
}

/** Colour on or off for everything drawn below it; by default as the environment says. */
export const ColorContext = createContext(colorWanted(process.env));

export const useColor = (): boolean => useContext(ColorContext);
