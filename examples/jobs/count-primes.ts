import { defineJob, z } from '@threadline/core/job';

// A job with no natural items: one long CPU loop in a worker thread, which never awaits.
export default defineJob({
  name: 'primes.count',
  title: 'Count primes',
  input: z.object({ below: z.number().int().min(2).default(1_000_000) }),
  unit: 'numbers',
  run: (input, ctx) => {
    let primes = 0;
    for (let n = 2; n < input.below; n++) {
      ctx.throwIfCancelled(); // one atomic load: stops this loop within an iteration of a cancel
      if (isPrime(n)) primes++;
      ctx.progress(n, input.below, `${primes} primes so far`); // two stores into shared memory
    }
    return { below: input.below, primes };
  },
});

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return n >= 2;
}
