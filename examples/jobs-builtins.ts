import { mkdir, writeFile } from 'node:fs/promises';
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';

await mkdir('docs/notes', { recursive: true });
await writeFile('docs/readme.txt', 'hello');
await writeFile('docs/notes/todo.txt', 'write more jobs');

const engine = await createEngine({ registry: builtinJobs });
try {
  // Writes docs.sha256 beside the folder, in `sha256sum -c` format.
  const created = await engine.waitFor((await engine.start('files.checksum', { root: 'docs' })).id);
  console.log(created.state, created.summary);

  await writeFile('docs/readme.txt', 'changed');
  const verified = await engine.waitFor(
    (await engine.start('files.checksum', { root: 'docs', mode: 'verify' })).id,
  );
  console.log(verified.state, verified.summary); // ok: false, mismatched: ['readme.txt']
} finally {
  await engine.close();
}
