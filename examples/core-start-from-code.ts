import { writeFile } from 'node:fs/promises';
import { createEngine } from '@threadline/core';

await writeFile('a.txt', 'hello');
await writeFile('b.txt', 'worker threads');

// The registry maps job names to module URLs; worker threads import the module too.
const engine = await createEngine({
  registry: { 'text.upper': new URL('./jobs/text-upper.ts', import.meta.url).href },
});
try {
  const job = await engine.start('text.upper', { files: ['a.txt', 'b.txt'] });
  const done = await engine.waitFor(job.id);
  console.log(done.state, done.summary); // succeeded { files: 2, failed: 0, characters: 19 }
} finally {
  await engine.close(); // stops the worker threads, so the process can exit
}
