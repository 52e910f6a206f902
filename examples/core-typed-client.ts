import { createEngine, typedClient, ValidationError } from '@threadline/core';
import type { JobInputOf } from '@threadline/core/job';
import { type BuiltinJobInputs, builtinJobs } from '@threadline/jobs';
import type textUpper from './jobs/text-upper.js';

// What start() takes, per job name: the built-ins' and your own.
type Inputs = BuiltinJobInputs & { 'text.upper': JobInputOf<typeof textUpper> };

const engine = await createEngine({
  registry: { ...builtinJobs, 'text.upper': new URL('./jobs/text-upper.ts', import.meta.url).href },
});
const jobs = typedClient<Inputs>(engine); // the same client, with start() checked by the compiler
try {
  const job = await jobs.start('demo.sleep', { items: 8, ms: 20 });
  console.log((await engine.waitFor(job.id)).summary);

  // @ts-expect-error -- `items` is a number: the compiler refuses this line...
  await jobs.start('demo.sleep', { items: 'eight' }).catch((error: unknown) => {
    // ...and the engine validates again at run time, naming the field.
    if (error instanceof ValidationError) console.log('refused:', error.issues);
    else throw error;
  });
} finally {
  await engine.close();
}
