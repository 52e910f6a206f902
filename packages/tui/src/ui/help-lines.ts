// The help screen (`?`, `h`, F1): every key of every screen, in one place.
// The footer shows the ones that fit; this lists them all.
import type { Line } from './Scrolled.js';
import { wrapText } from './wrap.js';

type Section = readonly [title: string, keys: readonly (readonly [keys: string, what: string])[]];

export const HELP: readonly Section[] = [
  [
    'Jobs',
    [
      ['↑ ↓  j k', 'select a job'],
      ['PgUp PgDn', 'a page up or down'],
      ['g G  Home End', 'the first or the last job'],
      ['click, wheel', 'select a job, scroll (hold Shift to select text instead)'],
      ['enter', "the selected job's details"],
      ['n', 'start a job: pick one, fill its input, enter starts it'],
      ['c', 'cancel the selected job'],
      ['f', 'force it: terminate its running items now'],
      ['r', 'retry what failed (a failed or partial job), or resume a cancelled or interrupted one'],
      ['/', 'filter by name, state or id; esc clears'],
      ['s', 'the schedules of periodic jobs'],
      ['? h F1', 'this help'],
      ['q  Ctrl+C', "quit (with this engine's jobs running, it asks first)"],
    ],
  ],
  [
    'Details',
    [
      ['↑ ↓ j k PgUp PgDn g G, wheel', 'scroll'],
      ['c f r', 'as in the list'],
      ['esc enter ← q', 'back to the list'],
    ],
  ],
  [
    'Schedules',
    [
      ['↑ ↓  j k', 'select a schedule'],
      ['click, wheel', 'select a schedule, move'],
      ['p', 'pause or resume it'],
      ['x  d', 'remove it (y confirms)'],
      ['esc', 'back to the list'],
    ],
  ],
  [
    'Start form',
    [
      ['↑ ↓', 'pick a job, move between fields'],
      ['enter', 'choose the job, start it'],
      ['esc', 'back'],
    ],
  ],
];

const KEYS = 16;

/** The help as lines `width` wide: a title per screen, a key and what it does per line. */
export function helpLines(width: number): Line[] {
  const lines: Line[] = [];
  const indent = ' '.repeat(KEYS + 2);
  for (const [title, keys] of HELP) {
    if (lines.length > 0) lines.push({ text: '' });
    lines.push({ text: title, bold: true });
    for (const [key, what] of keys) {
      // A long key list takes its own line; its text goes under the others'.
      const head = key.length > KEYS ? [{ text: `  ${key}`, color: 'cyan' }] : [];
      const text = `  ${(key.length > KEYS ? '' : key).padEnd(KEYS)}${what}`;
      lines.push(...head, ...wrapText(text, width, indent).map((part) => ({ text: part })));
    }
  }
  return lines;
}
