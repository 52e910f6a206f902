// "Clear finished": deletes every finished job of the history (or those that
// finished before a chosen age) after the person confirms how many would go.
import { useState } from 'react';
import { client, messageOf } from './api';
import { useOffline } from './store';

const AGES = [
  { label: 'all finished', ms: 0 },
  { label: 'finished over 1 day ago', ms: 86_400_000 },
  { label: 'finished over 7 days ago', ms: 7 * 86_400_000 },
  { label: 'finished over 30 days ago', ms: 30 * 86_400_000 },
] as const;

/** `finished`: how many finished jobs the history holds (undefined while a filter narrows it). */
export function ClearFinished(props: { finished: number | undefined; onCleared: () => void }) {
  const offline = useOffline();
  const [age, setAge] = useState(0);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<string | undefined>();
  const chosen = AGES[age]!;
  const clear = async () => {
    const every =
      props.finished === undefined
        ? 'every finished job in the history (not only those the filters show)'
        : props.finished === 1
          ? 'the one finished job'
          : `all ${props.finished} finished jobs`;
    const what = chosen.ms === 0 ? every : `the jobs that ${chosen.label}`;
    if (
      !window.confirm(
        `Delete ${what}, with ${props.finished === 1 && chosen.ms === 0 ? 'its' : 'their'} items, logs and results? This cannot be undone.`,
      )
    )
      return;
    setBusy(true);
    setResult(undefined);
    try {
      const { deleted } = await client.clearFinished!(
        chosen.ms === 0 ? {} : { finishedBefore: Date.now() - chosen.ms },
      );
      setResult(`Deleted ${deleted} finished job${deleted === 1 ? '' : 's'}.`);
      props.onCleared();
    } catch (e) {
      setResult(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <span className="bulk">
      <select
        aria-label="Which finished jobs to clear"
        data-testid="clear-age"
        value={age}
        onChange={(event) => setAge(Number(event.target.value))}
      >
        {AGES.map((a, i) => (
          <option key={a.label} value={i}>
            {a.label}
          </option>
        ))}
      </select>
      <button
        type="button"
        className="danger"
        data-testid="clear-finished"
        disabled={busy || offline || props.finished === 0}
        onClick={clear}
      >
        Clear finished
      </button>
      {result && (
        <span className="bulk-result" role="status">
          {result}
        </span>
      )}
    </span>
  );
}
