// Reading the built-in jobs' definitions (`threadline jobs`, forms, the
// engine's registry) loads none of their heavy dependencies; running a job
// loads what it needs. Checked in a fresh `node` against the built package
// (test/global-setup.ts builds it), since vitest's own module graph already
// holds sharp and is not what an app sees.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { builtinJobs } from '../src/index.js';
import { makeImage } from './helpers/images.js';
import { tempDir } from './helpers/temp.js';

const script = fileURLToPath(new URL('./fixtures/list-then-scale.mjs', import.meta.url));
const HEAVY = /\/node_modules\/(sharp|exifr|fast-xml-parser|feedsmith)\//;

const dataUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;

/**
 * A preload for `--import` that appends the URL of every module the ESM
 * loader loads, in any thread, to `log`: written before the module loads, so
 * the log is complete whenever the process writes its own line after it.
 */
function recordLoads(log: string): string {
  const hooks = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(log)}, url + '\\n');
  return next(url, context);
}`;
  return dataUrl(`import { register } from 'node:module'; register(${JSON.stringify(dataUrl(hooks))});`);
}

describe('heavy dependencies of built-in jobs', () => {
  it('load when their job runs, not when the definitions are read', async () => {
    const dir = tempDir();
    const source = join(dir, 'source');
    await makeImage(join(source, 'tiny.png'), { width: 8, height: 6, format: 'png' });
    const log = join(dir, 'loads.log');
    const { VITEST: _, ...env } = process.env;

    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', recordLoads(log), script, log, join(dir, 'data'), source, join(dir, 'target')],
      { env },
    );
    const seen = JSON.parse(stdout);
    const lines = (await readFile(log, 'utf8')).split('\n');
    const listing = lines.slice(0, lines.indexOf('-- listed'));
    const running = lines.slice(lines.indexOf('-- listed'), lines.indexOf('-- ran'));

    const names = Object.keys(builtinJobs).sort();
    expect(seen.loaded.sort()).toEqual(names);
    expect(seen.listed).toEqual(names);
    // The log does record the job modules themselves, so an absence below means something.
    expect(listing).toContain(new URL('../dist/image-scale.js', import.meta.url).href);
    expect(listing.filter((url) => HEAVY.test(url))).toEqual([]);
    expect(seen.librariesWhenListed).toEqual([]);

    expect(seen.state).toBe('succeeded');
    expect(seen.summary).toMatchObject({ todo: 1, scaled: 1, failed: 0 });
    expect(running.filter((url) => url.includes('/node_modules/sharp/'))).not.toEqual([]);
    expect(seen.librariesWhenRan.join('\n')).toMatch(/vips/);
  });
});
