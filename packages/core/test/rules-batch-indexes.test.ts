// How a batch names its items' positions for its worker, as the engine and the BullMQ backend share it.
import { describe, expect, it } from 'vitest';
import { batchIndexes } from '../src/rules/batch-indexes.js';

const pending = (...indexes: number[]) => indexes.map((index) => ({ index, item: `item ${index}` }));

describe('rules: batch indexes', () => {
  it('gives consecutive items as their first position alone, and others one by one', () => {
    expect(batchIndexes(pending(7, 8, 9))).toEqual({ indexes: 7 });
    expect(batchIndexes(pending(0))).toEqual({ indexes: 0 });
    // Spanning 4..8 like five consecutive positions does not make them so.
    expect(batchIndexes(pending(4, 5, 1, 2, 8))).toEqual({ indexes: [4, 5, 1, 2, 8] });
    expect(batchIndexes(pending(3, 5))).toEqual({ indexes: [3, 5] });
    expect(batchIndexes([])).toEqual({});
  });
});
