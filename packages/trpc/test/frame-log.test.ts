// The frame log a lagging SSE connection catches up from: bounded by bytes,
// contiguous by seq, one job's frames or all, superseded progress left out only
// when asked.
import type { JobEvent } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { FrameLog } from '../src/sse/frame-log.js';

const event = (seq: number, jobId: string, type: 'progress' | 'item' | 'finished'): JobEvent =>
  ({ seq, at: 0, jobId, type }) as unknown as JobEvent;
const seqsOf = (bytes: Buffer) => [...bytes.toString().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));

describe('frame log', () => {
  it('gives the frames after a cursor, of one job or all, within a page size', () => {
    const log = new FrameLog(1 << 20);
    for (let seq = 1; seq <= 10; seq++) log.append(event(seq, seq % 2 ? 'a' : 'b', 'item'));
    expect(seqsOf(log.after(3, undefined, 1 << 20, false)!.bytes)).toEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(seqsOf(log.after(3, 'b', 1 << 20, false)!.bytes)).toEqual([4, 6, 8, 10]);
    const page = log.after(0, undefined, 1, false)!;
    expect({ seqs: seqsOf(page.bytes), last: page.last }).toEqual({ seqs: [1], last: 1 });
    expect(log.after(10, undefined, 1 << 20, false)).toMatchObject({ last: 10 });
    expect(log.after(10, undefined, 1 << 20, false)!.bytes.length).toBe(0);
  });

  it("leaves out a job's superseded progress samples for a reader that fell behind, never its items or finished", () => {
    const log = new FrameLog(1 << 20);
    log.append(event(1, 'a', 'progress'));
    log.append(event(2, 'a', 'item'));
    log.append(event(3, 'b', 'progress'));
    log.append(event(4, 'a', 'progress'));
    log.append(event(5, 'a', 'finished'));
    expect(seqsOf(log.after(0, undefined, 1 << 20, true)!.bytes)).toEqual([2, 3, 4, 5]);
    expect(seqsOf(log.after(0, undefined, 1 << 20, false)!.bytes)).toEqual([1, 2, 3, 4, 5]);
  });

  it('lets go of its oldest frames past its size, and says so to a cursor before them', () => {
    const one = Buffer.byteLength(`data: ${JSON.stringify(event(1, 'a', 'item'))}\nid: 1\n\n\n`);
    const log = new FrameLog(one * 5);
    for (let seq = 1; seq <= 10_000; seq++) log.append(event(seq, 'a', 'item'));
    expect(log.after(1, undefined, 1 << 20, false)).toBeUndefined();
    // Frames of 5-digit seqs are a little longer than the first: four of them fit.
    expect(seqsOf(log.after(9996, undefined, 1 << 20, false)!.bytes)).toEqual([9997, 9998, 9999, 10_000]);
    expect(log.after(9990, undefined, 1 << 20, false)).toBeUndefined();
  });
});
