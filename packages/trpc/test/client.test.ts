// The JobClient over tRPC, against the router on a real HTTP server and the in-process engine.
import { type JobClient, NotFoundError, ValidationError } from '@threadline/core';
import { describe, expect, it } from 'vitest';
import { createTrpcClient } from '../src/index.js';
import { collect, onCleanup, openEngine, serveRouter } from './helpers.js';

async function setup(): Promise<{ client: JobClient; url: string }> {
  const url = await serveRouter(await openEngine());
  const client = createTrpcClient(url);
  onCleanup(() => client.close());
  return { client, url };
}

describe('createTrpcClient', () => {
  it('starts a job and follows its events to the end', async () => {
    const { client } = await setup();
    const job = await client.start('test.sleep', { items: 5, ms: 20 });
    const events = await collect(client.events({ jobId: job.id, after: 0 }));
    expect(events[0]?.type).toBe('queued');
    expect(events.at(-1)).toMatchObject({ type: 'finished', state: 'succeeded' });
    expect(events.some((e) => e.type === 'progress')).toBe(true);
    expect((await client.get(job.id))?.state).toBe('succeeded');
    expect((await client.details(job.id))?.job.id).toBe(job.id);
    expect((await client.list({ limit: 10 })).map((j) => j.id)).toContain(job.id);
  });

  it('cancels a running job', async () => {
    const { client } = await setup();
    const job = await client.start('test.sleep', { items: 100, ms: 200 });
    await collect(client.events({ jobId: job.id, after: 0 }), (e) => e.type === 'progress');
    await client.cancel(job.id, { reason: 'enough' });
    const events = await collect(client.events({ jobId: job.id, after: 0 }));
    expect(events.at(-1)).toMatchObject({ type: 'finished', state: 'cancelled' });
  });

  it('resumes from a seq with nothing lost or repeated', async () => {
    const { client } = await setup();
    const job = await client.start('test.sleep', { items: 4, ms: 20 });
    const all = await collect(client.events({ jobId: job.id, after: 0 }));
    const cut = all[2]!.seq;
    const rest = await collect(client.events({ jobId: job.id, after: cut }));
    expect(rest.map((e) => e.seq)).toEqual(all.filter((e) => e.seq > cut).map((e) => e.seq));
  });

  it('maps errors back to the classes the engine throws', async () => {
    const { client } = await setup();
    const invalid = await client.start('test.sleep', { items: 0 }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).issues.map((i) => i.path)).toEqual(['items']);
    expect(await client.start('no.such.job', {}).catch((e: unknown) => e)).toBeInstanceOf(NotFoundError);
    expect(await client.get('nope')).toBeUndefined();
    expect(await client.details('nope')).toBeUndefined();
    expect(await client.cancel('nope').catch((e: unknown) => e)).toBeInstanceOf(NotFoundError);
  });

  it('resumes a finished job over HTTP: a new job for what failed, the old one pointing to it', async () => {
    const { client } = await setup();
    const job = await client.start('test.sleep', { items: 6, ms: 1, failEvery: 3 });
    await collect(client.events({ jobId: job.id, after: 0 }));
    const resumed = await client.resume(job.id);
    expect(resumed).toMatchObject({ resumeOf: job.id, state: 'queued', input: { items: 6, failEvery: 3 } });
    const events = await collect(client.events({ jobId: resumed.id, after: 0 }));
    // Items 3 and 6 fail every time: the resume ran them again, and they failed again.
    const failed = events.flatMap((e) => (e.type === 'item' && e.outcome === 'failed' ? [e.index] : []));
    expect(failed.sort()).toEqual([2, 5]);
    expect(events.at(-1)).toMatchObject({
      type: 'finished',
      state: 'partial',
      items: { total: 6, succeeded: 4, failed: 2, cancelled: 0 },
    });
    expect((await client.get(job.id))?.resumedAs).toBe(resumed.id);
    const again = await client.resume(job.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ValidationError);
    expect((again as Error).message).toBe(`job ${job.id} was resumed already, as ${resumed.id}`);
    expect(await client.resume('nope').catch((e: unknown) => e)).toBeInstanceOf(NotFoundError);
  });

  it('answers a refused resume with BAD_REQUEST or NOT_FOUND, a message and no stack trace', async () => {
    const { client, url } = await setup();
    const job = await client.start('test.sleep', { items: 1, ms: 1 });
    await collect(client.events({ jobId: job.id, after: 0 }));
    const post = async (input: unknown) => {
      const response = await fetch(`${url}/jobs.resume`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const text = await response.text();
      // No stack trace, whether as a field or as a frame's file:line:column.
      expect(text).not.toContain('"stack"');
      expect(text).not.toMatch(/\.(js|ts|mjs):\d+:\d+/);
      return {
        status: response.status,
        body: JSON.parse(text) as { error: { message: string; data: object } },
      };
    };

    const succeeded = await post({ id: job.id });
    expect(succeeded.status).toBe(400);
    expect(succeeded.body.error).toMatchObject({
      message: `job ${job.id} succeeded: nothing to resume (start it again to redo it)`,
      data: { code: 'BAD_REQUEST', httpStatus: 400, path: 'jobs.resume', threadlineCode: 'VALIDATION' },
    });
    const unknown = await post({ id: 'j_nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({
      message: 'no job with id j_nope',
      data: { code: 'NOT_FOUND', httpStatus: 404, path: 'jobs.resume', threadlineCode: 'NOT_FOUND' },
    });
    const malformed = await post({});
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/^invalid request: id: /);
  });

  it('answers an unknown schedule with NOT_FOUND over HTTP, mapped back to NotFoundError', async () => {
    const { client, url } = await setup();
    const response = await fetch(`${url}/schedules.remove`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 's_nope' }),
    });
    const text = await response.text();
    expect(response.status).toBe(404);
    expect(text).not.toContain('"stack"');
    expect(JSON.parse(text).error).toMatchObject({
      message: 'no schedule with id s_nope',
      data: { code: 'NOT_FOUND', path: 'schedules.remove', threadlineCode: 'NOT_FOUND' },
    });
    for (const call of [client.pauseSchedule, client.resumeSchedule, client.removeSchedule]) {
      const error = await call('s_nope').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NotFoundError);
      expect((error as Error).message).toBe('no schedule with id s_nope');
    }
    expect(await client.schedules()).toEqual([]);
  });

  it('rejects the event stream of an unknown job with NotFoundError, from the SSE error frame', async () => {
    const { client } = await setup();
    const stream = client.events({ jobId: 'nope', after: 0 });
    const error = await (async () => {
      for await (const _ of stream) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe('no job with id nope');
  });

  it('stops an event stream when its signal aborts', async () => {
    const { client } = await setup();
    const controller = new AbortController();
    const stream = client.events({ signal: controller.signal });
    setTimeout(() => controller.abort(), 200);
    const seen: unknown[] = [];
    for await (const event of stream) seen.push(event);
    expect(seen).toEqual([]);
  });
});
