// The key hints the footer shows for each screen of the app: only the keys
// that work at the moment (`c` for a job still running, `r` only for a job it
// can resume, no action while the server does not answer). The footer shows
// as many as fit; `?` lists them all. The schedules screen has its own, which
// follow its selection.
import { isActive, type JobSnapshot } from '@threadline/core/client';
import { resumeLabel, whyNotResumable } from '../state/resume.js';
import type { KeyHint } from './Footer.js';
import type { Mode } from './mode.js';

/** `r`, for a job it can resume; none for one it cannot. */
export const resumeKey = (job: JobSnapshot | undefined): KeyHint[] =>
  job && whyNotResumable(job) === null ? [['r', resumeLabel(job)]] : [];

/** `c` and `f`, for a job that is still queued or running. */
const cancelKeys = (job: JobSnapshot | undefined): KeyHint[] =>
  job && isActive(job.state)
    ? [
        ['c', 'cancel'],
        ['f', 'force'],
      ]
    : [];

/** Moving through a list: shown only on a terminal with room for them (they drop first). */
const MOVE_KEYS: KeyHint[] = [
  ['j/k', 'move', 2],
  ['g/G', 'first/last', 3],
  ['PgUp/PgDn', 'page', 3],
];

/**
 * The list's keys for the selected job. `s` is the first to give way at 80 columns; `?`
 * stays, since it tells the rest.
 */
const listKeys = (job: JobSnapshot | undefined, connected: boolean): KeyHint[] => [
  ...(connected ? [['n', 'start'] as const, ...cancelKeys(job), ...resumeKey(job)] : []),
  ...(job ? [['⏎', 'details'] as const] : []),
  ['/', 'filter'],
  ...(connected ? [['s', 'schedules', 1] as const] : []),
  ['?', 'help'],
  ['q', 'quit'],
  ...MOVE_KEYS,
];

/**
 * The keys that work now; `job` is the one they act on (the selected one, or the one in
 * details). `connected` is false while the server the TUI is attached to does not answer.
 */
export function hintsFor(
  mode: Mode,
  editingFilter: boolean,
  job: JobSnapshot | undefined,
  connected = true,
): KeyHint[] {
  switch (mode.kind) {
    case 'details':
      return [
        ['esc', 'back'],
        ...(connected ? [...cancelKeys(job), ...resumeKey(job)] : []),
        ['?', 'help'],
        ['↑↓', 'scroll', 2],
        ['PgUp/PgDn', 'page', 3],
      ];
    case 'help':
      return [
        ['esc', 'back'],
        ['↑↓', 'scroll', 2],
      ];
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
        : listKeys(job, connected);
  }
}
