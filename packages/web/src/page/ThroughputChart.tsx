// A job's throughput as bars: items per second over its run, succeeded in
// green and failed or cancelled stacked in red, live while it runs. A long run
// is grouped into at most MAX_BARS bars, each the mean rate of its seconds.
// The details panel's stream counts them (see throughput.ts).
import type { Throughput } from './throughput';

const MAX_BARS = 120;
const WIDTH = 600;
const HEIGHT = 90;

const formatRate = (n: number) =>
  n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(n >= 10 ? 0 : 1);

export function ThroughputChart({ throughput, unit }: { throughput: Throughput; unit: string }) {
  const { seconds, done } = throughput;
  const total = seconds.reduce((sum, [ok, other]) => sum + ok + other, 0);
  // The same box before the first items as after: content arriving later must not move the panel.
  if (seconds.length === 0 || total === 0) {
    return (
      <figure className="throughput" data-testid="throughput">
        <figcaption>
          <span>Throughput</span>
        </figcaption>
        <svg
          viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-label="no items yet"
        >
          <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="axis" />
        </svg>
        <div className="throughput-axis" data-testid={done ? 'throughput-none' : undefined}>
          <span>{done ? 'No throughput kept for this job.' : 'Waiting for the first items…'}</span>
        </div>
      </figure>
    );
  }
  const per = Math.ceil(seconds.length / MAX_BARS);
  const bars: [number, number][] = [];
  for (let i = 0; i < seconds.length; i += per) {
    const group = seconds.slice(i, i + per);
    bars.push([
      group.reduce((sum, s) => sum + s[0], 0) / group.length,
      group.reduce((sum, s) => sum + s[1], 0) / group.length,
    ]);
  }
  const peak = Math.max(...bars.map(([ok, other]) => ok + other));
  // The bars fill the width: its right end is the last second, as the axis says.
  const width = WIDTH / bars.length;
  const y = (n: number) => (n / peak) * (HEIGHT - 4);
  const label = `${total.toLocaleString('en')} ${unit} over ${seconds.length} s, at most ${formatRate(peak)}/s`;
  return (
    <figure className="throughput" data-testid="throughput">
      <figcaption>
        <span>Throughput</span>
        <span className="throughput-peak">
          peak {formatRate(peak)} {unit}/s
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="img"
        aria-label={label}
        data-total={total}
        data-seconds={seconds.length}
      >
        <line x1="0" x2={WIDTH} y1={HEIGHT - 0.5} y2={HEIGHT - 0.5} className="axis" />
        {bars.map(([ok, other], i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a bar is its position in time.
          <g key={i}>
            <rect className="ok" x={i * width} width={width * 0.88} y={HEIGHT - y(ok)} height={y(ok)} />
            <rect
              className="bad"
              x={i * width}
              width={width * 0.88}
              y={HEIGHT - y(ok) - y(other)}
              height={y(other)}
            />
          </g>
        ))}
      </svg>
      <div className="throughput-axis">
        <span>0 s</span>
        <span>{seconds.length} s</span>
      </div>
    </figure>
  );
}
