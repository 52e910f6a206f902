// One line of the results: a value for Threadline, the same value for each
// peer measured in the same run, and the goal it is held to. Absolute numbers
// on a shared machine are noise; the ratio against a peer is the result.

export type Better = 'higher' | 'lower';

export interface Goal {
  /** What the goal compares: the ratio against the reference, or Threadline's own value. */
  on: 'ratio' | 'value';
  op: '>=' | '<=';
  target: number;
  /** As the issue states it, e.g. "≥ 1.5x piscina". */
  text: string;
}

export type Status = 'measured' | 'not available yet' | 'error';

export interface BenchRecord {
  /** The measure's number, as bench/README.md lists them (1–13). */
  measure: number;
  name: string;
  unit: string;
  better: Better;
  threadline: number | null;
  peers: Record<string, number | null>;
  /** threadline / reference (the peer named in `ratioOf`, or a baseline). */
  ratio: number | null;
  /** What the ratio divides by, e.g. "piscina". */
  ratioOf: string | null;
  goal: Goal | null;
  pass: boolean | null;
  status: Status;
  /** How many runs or samples the value is the median or percentile of. */
  samples: number;
  note?: string;
}

export interface RecordInput {
  measure: number;
  name: string;
  unit: string;
  better: Better;
  threadline: number;
  peers?: Record<string, number | null>;
  /** The peer (a key of `peers`) or baseline value the ratio divides by. */
  reference?: { name: string; value: number };
  goal?: Goal;
  samples: number;
  note?: string;
}

export function record(input: RecordInput): BenchRecord {
  const ratio =
    input.reference && input.reference.value > 0 ? input.threadline / input.reference.value : null;
  const goal = input.goal ?? null;
  let pass: boolean | null = null;
  if (goal) {
    const actual = goal.on === 'ratio' ? ratio : input.threadline;
    if (actual !== null) pass = goal.op === '>=' ? actual >= goal.target : actual <= goal.target;
  }
  return {
    measure: input.measure,
    name: input.name,
    unit: input.unit,
    better: input.better,
    threadline: input.threadline,
    peers: input.peers ?? {},
    ratio,
    ratioOf: input.reference?.name ?? null,
    goal,
    pass,
    status: 'measured',
    samples: input.samples,
    ...(input.note ? { note: input.note } : {}),
  };
}

/** A measure whose part has not landed, or that failed: reported, never silently dropped. */
export function unavailable(
  measure: number,
  name: string,
  status: Exclude<Status, 'measured'>,
  note: string,
  goal?: Goal,
): BenchRecord {
  return {
    measure,
    name,
    unit: '',
    better: 'higher',
    threadline: null,
    peers: {},
    ratio: null,
    ratioOf: null,
    goal: goal ?? null,
    pass: null,
    status,
    samples: 0,
    note,
  };
}
