import { mkdir, writeFile } from 'node:fs/promises';
import { createEngine, typedClient } from '@threadline/core';
import { type BuiltinJobInputs, builtinJobs } from '@threadline/jobs';

await mkdir('docs/notes', { recursive: true });
await writeFile('docs/readme.txt', 'hello');
await writeFile('docs/notes/todo.txt', 'write more jobs');

const engine = await createEngine({ registry: builtinJobs });
const jobs = typedClient<BuiltinJobInputs>(engine); // start()'s input checked per job
try {
  // Writes docs/SHA256SUMS, in `sha256sum -c` format.
  const create = await jobs.start('files.checksum', { root: 'docs' });
  console.log((await engine.waitFor(create.id)).summary);

  await writeFile('docs/readme.txt', 'changed');
  const verify = await jobs.start('files.checksum', { root: 'docs', mode: 'verify' });
  console.log((await engine.waitFor(verify.id)).summary); // ok: false, mismatched: [ 'readme.txt' ]
} finally {
  await engine.close();
}
