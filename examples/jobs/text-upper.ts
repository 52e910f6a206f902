import { readFile } from 'node:fs/promises';
import { defineJob, writeFileAtomic, z } from '@threadline/core/job';

export default defineJob({
  name: 'text.upper',
  title: 'Uppercase files',
  input: z.object({ files: z.array(z.string()).min(1).describe('Files to convert') }),
  unit: 'files',
  // Enumerates the work, in the engine: keep it cheap.
  items: (input) => input.files,
  // One item, in a worker thread.
  process: async (file: string, ctx) => {
    ctx.throwIfCancelled();
    const text = await readFile(file, 'utf8');
    await writeFileAtomic(`${file}.upper`, text.toUpperCase());
    return text.length;
  },
  // Folds the items' results into the job's summary, in the engine.
  summarize: (lengths: number[], { failed }) => ({
    files: lengths.length,
    failed,
    characters: lengths.reduce((sum, n) => sum + n, 0),
  }),
});
