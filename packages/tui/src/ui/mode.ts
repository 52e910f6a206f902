// What the screen shows: the list, one job's details, the start form, the schedules, the
// help, or the quit sequence.
export type Mode =
  | { kind: 'list' }
  | { kind: 'details'; jobId: string }
  | { kind: 'start' }
  | { kind: 'schedules' }
  | { kind: 'help'; back: Mode }
  | { kind: 'confirm-quit'; running: number }
  | { kind: 'quitting'; cancelled: number };
