// The line above the key hints: the quit question, a flash about the last
// action, or the filter being typed.

import { fit } from './format.js';
import type { Mode } from './mode.js';
import { Text } from './Text.js';

export interface Flash {
  text: string;
  color: 'red' | 'yellow' | 'green' | 'gray';
  /** A flash about a job in progress (cancelling it) gives way to its final state once it has one. */
  jobId?: string;
}

export function StatusLine({
  mode,
  flash,
  filter,
  editingFilter,
  columns,
}: {
  mode: Mode;
  flash: Flash | null;
  filter: string;
  editingFilter: boolean;
  columns: number;
}) {
  if (mode.kind === 'confirm-quit') {
    const jobs = mode.running === 1 ? '1 job is' : `${mode.running} jobs are`;
    return (
      <Text color="yellow" bold>
        {fit(`${jobs} still running here. Cancel and quit? y yes · f force · n no`, columns)}
      </Text>
    );
  }
  if (mode.kind === 'quitting') {
    return (
      <Text color="yellow">
        {fit(`Cancelling ${mode.cancelled} job(s) before quitting… (q again: stop waiting)`, columns)}
      </Text>
    );
  }
  if (editingFilter || (filter && mode.kind === 'list' && !flash)) {
    return (
      <Text>
        <Text color="cyan">/ </Text>
        <Text>{fit(`${filter}${editingFilter ? '▌' : ''}`, columns - 2)}</Text>
      </Text>
    );
  }
  return <Text color={flash?.color ?? 'gray'}>{fit(flash?.text ?? ' ', columns)}</Text>;
}
