// The page's form validator (src/page/validator.ts, in place of Ajv) against the
// built-in jobs' own input schemas: what zod accepts it accepts, and what it
// refuses it names at the field.
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { describe, expect, it } from 'vitest';
import { validator } from '../src/page/validator.js';
import { tempDir } from './helpers.js';

async function schemas(): Promise<Map<string, Record<string, unknown>>> {
  const engine = await createEngine({ dataDir: tempDir(), registry: builtinJobs, poolSize: 1 });
  try {
    return new Map((await engine.definitions()).map((d) => [d.name, d.inputSchema]));
  } finally {
    await engine.close();
  }
}

const errorsOf = (schema: Record<string, unknown>, data: unknown) =>
  validator.validateFormData(data, schema).errors.map((e) => `${e.property} ${e.message}`);

describe('form validator', () => {
  it('accepts what the jobs accept and names the field of what they refuse', async () => {
    const all = await schemas();
    const sleep = all.get('demo.sleep')!;
    expect(errorsOf(sleep, { items: 20, ms: 250, failEvery: 0, cpu: false })).toEqual([]);
    expect(errorsOf(sleep, {})).toEqual([]);
    expect(errorsOf(sleep, { items: 0, ms: 1.5 })).toEqual(['.items must be >= 1', '.ms must be integer']);

    const feeds = all.get('feeds.fetch')!;
    expect(errorsOf(feeds, { feeds: ['https://example.com/feed.xml'] })).toEqual([]);
    expect(errorsOf(feeds, {})).toEqual(['.feeds is required']);
    expect(errorsOf(feeds, { feeds: [] })).toEqual(['.feeds must have at least 1 entry']);
    expect(errorsOf(feeds, { feeds: ['not a url'] })).toEqual(['.feeds.0 must be a valid URL']);

    const train = all.get('model.train')!;
    expect(errorsOf(train, { data: 'a.csv', epochs: 2000, learningRate: 0.1, tolerance: 1e-9 })).toEqual([]);
    expect(errorsOf(train, { data: 'a.csv', features: [''], learningRate: 0 })).toEqual([
      '.features.0 must not be empty',
      '.learningRate must be > 0',
    ]);

    const scale = all.get('image.scale')!;
    expect(errorsOf(scale, { source: 'a', target: 'b', format: 'gif' })[0]).toMatch(
      /^\.format must be one of/,
    );
    // The error tree the form shows next to each field.
    expect(validator.validateFormData({ source: 'a' }, scale).errorSchema).toMatchObject({
      target: { __errors: ['is required'] },
    });
    expect(validator.isValid(scale, { source: 'a', target: 'b' }, scale)).toBe(true);
  });
});
