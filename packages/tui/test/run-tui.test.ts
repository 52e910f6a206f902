import { PassThrough } from 'node:stream';
import type { Connect } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { runTui } from '../src/index.js';

function streams() {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { out: '', err: '' };
  out.on('data', (chunk) => {
    text.out += chunk;
  });
  err.on('data', (chunk) => {
    text.err += chunk;
  });
  const io = {
    stdin: new PassThrough() as unknown as NodeJS.ReadStream,
    stdout: out as unknown as NodeJS.WriteStream,
    stderr: err as unknown as NodeJS.WriteStream,
  };
  return { io, text };
}

const connectNever: Connect = () => {
  throw new Error('must not connect');
};

describe('threadline tui', () => {
  it('points to `threadline run` and exits 2 when the output is not a terminal', async () => {
    const { io, text } = streams();
    expect(await runTui({}, { connect: connectNever, ...io })).toBe(2);
    expect(text.err).toContain('needs a terminal');
    expect(text.err).toContain('threadline run');
    expect(text.out).toBe('');
  });
});
