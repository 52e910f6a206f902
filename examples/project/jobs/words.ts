// A job of the project: imports come from 'threadline/job', so the project depends on `threadline` alone.
import { readFile } from 'node:fs/promises';
import { defineJob, writeFileAtomic, z } from 'threadline/job';

export default defineJob({
  name: 'words.count',
  title: 'Count words',
  input: z.object({
    file: z.string().describe('A text file'),
    output: z.string().optional().describe('Where the counts go, as JSON; default <file>.words.json'),
  }),
  unit: 'lines',
  run: async (input, ctx) => {
    const lines = (await readFile(input.file, 'utf8')).split('\n');
    let words = 0;
    for (const [i, line] of lines.entries()) {
      ctx.throwIfCancelled();
      words += line.split(/\s+/).filter(Boolean).length;
      ctx.progress(i + 1, lines.length);
    }
    const counts = { lines: lines.length, words };
    await writeFileAtomic(input.output ?? `${input.file}.words.json`, `${JSON.stringify(counts)}\n`);
    return counts;
  },
});
