// n tiny items: each doubles its number. The work is nothing, so what is
// measured is the cost of getting an item to a worker and its result back.
import { defineJob, z } from '@threadline/core/job';

export default defineJob({
  name: 'bench.tiny',
  title: 'Tiny items',
  input: z.object({ n: z.number().int().min(0) }),
  items: function* (input) {
    for (let i = 0; i < input.n; i++) yield i;
  },
  process: (item) => item * 2,
});
