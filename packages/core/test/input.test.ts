import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { validateInput } from '../src/job/schema.js';
import { ValidationError } from '../src/protocol/errors.js';
import { closest } from '../src/suggest.js';
import { openEngine } from './helpers.js';

describe('a job input', () => {
  it('refuses keys the schema does not name, with a suggestion, in the engine (so every surface does)', async () => {
    const engine = await openEngine();
    const start = engine.start('test.count', { n: 2, failon: [1] });
    await expect(start).rejects.toThrow(ValidationError);
    await expect(start).rejects.toThrow(
      /invalid input for test\.count: failon: unknown key \(did you mean "failOn"\?\)/,
    );
    expect(await engine.list({})).toEqual([]);
  });

  it('keeps extra keys when the schema takes them on purpose', () => {
    const loose = z.looseObject({ a: z.number() });
    expect(validateInput(loose, { a: 1, b: 2 }, 'x')).toEqual({ a: 1, b: 2 });
    const strict = z.object({ a: z.number().default(1) });
    expect(() => validateInput(strict, { a: 1, extra: 2 }, 'x')).toThrow(
      /extra: unknown key; this job takes a/,
    );
  });
});

describe('closest', () => {
  it('suggests a near name and nothing for a far one', () => {
    const commands = ['run', 'jobs', 'list', 'show', 'serve', 'tui', 'watch', 'worker'];
    expect(closest('lst', commands)).toBe('list');
    expect(closest('rnu', commands)).toBe('run');
    expect(closest('demo.slep', ['demo.sleep', 'files.index'])).toBe('demo.sleep');
    expect(closest('frobnicate', commands)).toBeUndefined();
  });
});
