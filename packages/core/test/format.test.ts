import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatProgressLine } from '../src/protocol/format.js';

const progress = { done: 12, total: 40, fraction: 0.3, rate: 3.14, eta: 9, message: null };

describe('format', () => {
  it('says where a job is in its own unit', () => {
    expect(formatProgressLine(progress, 'files')).toBe('12/40 files (30.0%) 3.1/s eta 9s');
    expect(formatCount({ done: 7, total: null }, 'feeds')).toBe('7 feeds');
  });

  it('reads bytes as sizes, rate included', () => {
    const bytes = { ...progress, done: 1536, total: 64 * 1024 * 1024, rate: 12 * 1024 * 1024 };
    expect(formatProgressLine(bytes, 'bytes')).toBe('1.5 KB/64 MB (30.0%) 12 MB/s eta 9s');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1023)).toBe('1023 B');
  });
});
