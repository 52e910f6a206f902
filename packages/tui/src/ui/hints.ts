// The key hints the footer shows for each screen of the app: only the keys
// that work at the moment (`r` only for a job it can resume). The schedules
// screen has its own, which follow its selection.
import type { JobSnapshot } from '@threadline/core/client';
import { resumeLabel, whyNotResumable } from '../state/resume.js';
import type { KeyHint } from './Footer.js';
import type { Mode } from './mode.js';

/** `r`, for a job it can resume; none for one it cannot. */
export const resumeKey = (job: JobSnapshot | undefined): KeyHint[] =>
  job && whyNotResumable(job) === null ? [['r', resumeLabel(job)]] : [];

/**
 * The list's keys for the selected job. `s` comes last: at 80 columns it is the one that
 * gives way when `r` needs the room (the footer drops hints from the end).
 */
const listKeys = (job: JobSnapshot | undefined): KeyHint[] => [
  ['n', 'start'],
  ['c', 'cancel'],
  ['f', 'force'],
  ...resumeKey(job),
  ['⏎', 'details'],
  ['/', 'filter'],
  ['q', 'quit'],
  ['s', 'schedules'],
];

/** The keys that work now; `job` is the one they act on (the selected one, or the one in details). */
export function hintsFor(mode: Mode, editingFilter: boolean, job: JobSnapshot | undefined): KeyHint[] {
  switch (mode.kind) {
    case 'details':
      return [['esc', 'back'], ['c', 'cancel'], ['f', 'force'], ...resumeKey(job)];
    case 'start':
      return [
        ['↑↓', 'move'],
        ['⏎', 'choose / start'],
        ['esc', 'back'],
      ];
    case 'confirm-quit':
      return [
        ['y', 'cancel & quit'],
        ['f', 'force & quit'],
        ['n', 'stay'],
      ];
    case 'quitting':
      return [['q', 'quit now']];
    case 'schedules':
      return [];
    default:
      return editingFilter
        ? [
            ['⏎', 'keep filter'],
            ['esc', 'clear'],
          ]
        : listKeys(job);
  }
}
