import { mkdir, writeFile } from 'node:fs/promises';
import { createEngine, ValidationError } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { createTrpcClient } from '@threadline/trpc';
import { createServer } from '@threadline/web';

await mkdir('notes', { recursive: true });
await writeFile('notes/todo.txt', 'write the docs\n');

// The dashboard and its API over your engine. Port 0 picks a free port; `allow` is
// the folders job inputs may name (default: the current directory). Every request
// carries the server's token (a new one unless given): the printed URL hands it to
// the browser, and a client sends it as a bearer header.
const engine = await createEngine({ registry: builtinJobs });
const server = await createServer({ client: engine, port: 0, allow: ['.'] });
console.log(`dashboard: ${server.url}`);

const client = createTrpcClient(`${server.origin}/trpc`, { token: server.token });
try {
  const job = await client.start('files.checksum', { root: 'notes' });
  for await (const event of client.events({ jobId: job.id, after: 0 })) {
    if (event.type === 'finished') {
      console.log(event.state, event.summary);
      break;
    }
  }
  // A path outside every `allow` folder is refused before the job starts, naming the field.
  const refused = await client.start('files.checksum', { root: '/etc' }).catch((error: unknown) => error);
  if (refused instanceof ValidationError) console.log(refused.message); // refused: root: /etc is outside …
} finally {
  await client.close();
  await server.close();
  await engine.close();
}
