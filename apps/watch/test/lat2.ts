import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { runWatch } from '../src/index.js';

const t0 = performance.now();
const ts = () => Math.round(performance.now() - t0);
const ac = new AbortController();
const n = 0;
setTimeout(() => ac.abort(), 12000);
await runWatch(process.argv.slice(2), {
  signal: ac.signal,
  print: (l) => {
    console.log(ts(), l.slice(0, 20));
  },
  connect: async (o) => {
    const engine = await createEngine({ registry: builtinJobs, poolSize: 2, dataDir: o.dataDir! });
    const client = new Proxy(engine, {
      get(t, p) {
        const v = Reflect.get(t, p);
        if (typeof v !== 'function') return v;
        return (...a: unknown[]) => {
          const r = v.apply(t, a);
          if (r && typeof r.then === 'function') {
            const s = ts();
            r.then(() => console.log(ts(), String(p), 'took', ts() - s));
          } else console.log(ts(), String(p));
          return r;
        };
      },
    });
    return { client, local: true, close: () => engine.close() };
  },
});
