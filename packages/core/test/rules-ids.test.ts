// The id rule the engine and the BullMQ backend share, on its own: no pool, no store.
import { describe, expect, it } from 'vitest';
import { newId } from '../src/rules/ids.js';

describe('rules: ids', () => {
  it('makes prefixed ids that sort by creation time', async () => {
    const first = newId('j_');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = newId('j_');
    expect(first).toMatch(/^j_[0-9a-z]+[0-9a-f]{8}$/);
    expect(newId('s_')).toMatch(/^s_/);
    expect(first < second).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => newId('j_'))).size).toBe(1000);
  });
});
