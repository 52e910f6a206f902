// The web server over a real engine on a free port: the API, the event stream
// and every refusal a local server that can touch files must make.
import { mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join, relative } from 'node:path';
import { type JobEvent, type JobSnapshot, ValidationError } from '@threadline/core';
import { createTrpcClient } from '@threadline/trpc';
import { describe, expect, it } from 'vitest';
import { authFor, collect, onCleanup, openEngine, readSse, serve, tempDir, tokenOf } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so tests can send the headers a browser or an attacker would (Host included). */
function request(
  base: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${base}${path}`,
      { method: options.method ?? 'GET', headers: { ...authFor(base), ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = { 'content-type': 'application/json' };
const startBody = (input: unknown, name = 'demo.sleep') => JSON.stringify({ name, input });

function client(base: string, token?: string) {
  const given = token ?? tokenOf(base);
  const c = createTrpcClient(`${base}/trpc`, given ? { token: given } : {});
  onCleanup(() => c.close());
  return c;
}

describe('web server', () => {
  it('starts a job, streams its events over SSE, and cancels another', async () => {
    const { base } = await serve();
    const api = client(base);
    const quick = await api.start('demo.sleep', { items: 4, ms: 20 });
    const events = await collect(api.events({ jobId: quick.id, after: 0 }));
    expect(events.at(-1)).toMatchObject({ type: 'finished', state: 'succeeded' });

    const long = await api.start('demo.sleep', { items: 200, ms: 100 });
    await collect(api.events({ jobId: long.id, after: 0 }), (e) => e.type === 'progress');
    await api.cancel(long.id);
    const end = await collect(api.events({ jobId: long.id, after: 0 }));
    expect(end.at(-1)).toMatchObject({ type: 'finished', state: 'cancelled' });
    expect((await api.get(long.id))?.state).toBe('cancelled');
  });

  it('resumes a subscription from lastEventId with nothing lost or repeated', async () => {
    const { base, engine } = await serve();
    const job = await engine.start('demo.sleep', { items: 6, ms: 20 });
    await engine.waitFor(job.id);
    const path = (input: object) =>
      `${base}/trpc/jobs.events?input=${encodeURIComponent(JSON.stringify(input))}`;

    // The stream stays open after the job ends: read exactly as many events as the job has.
    const count = (await collect(engine.events({ jobId: job.id, after: 0 }))).length;
    const first = await readSse(path({ jobId: job.id, lastEventId: '0' }), {}, count);
    expect(first.map((e) => e.id)).toEqual(first.map((e) => String((e.data as { seq: number }).seq)));
    const cut = first[2]!.id!;
    const expected = first.slice(3).map((e) => e.id);
    // The way tRPC's client resumes: lastEventId in the input…
    const viaInput = await readSse(path({ jobId: job.id, lastEventId: cut }), {}, expected.length);
    expect(viaInput.map((e) => e.id)).toEqual(expected);
    // …and the way a browser's EventSource reconnects: the Last-Event-ID header.
    const viaHeader = await readSse(path({ jobId: job.id }), { 'last-event-id': cut }, expected.length);
    expect(viaHeader.map((e) => e.id)).toEqual(expected);
  });

  it('keeps a tRPC client event stream going across a server restart, nothing lost or repeated', async () => {
    const dataDir = tempDir();
    const first = await openEngine(dataDir);
    const { server, base } = await serve({ client: first });
    const api = client(base);
    const seen: JobEvent[] = [];
    const reading = collect(api.events({ after: 0 }), (e) => {
      seen.push(e);
      return e.type === 'finished' && e.jobId === second?.id;
    });
    let second: JobSnapshot | undefined;
    const one = await first.start('demo.sleep', { items: 2, ms: 10 });
    await first.waitFor(one.id);
    await expect.poll(() => seen.some((e) => e.type === 'finished' && e.jobId === one.id)).toBe(true);

    await server.close();
    await first.close();
    const again = await openEngine(dataDir);
    // As serve does: the data directory's token again.
    await serve({ client: again, port: server.port, token: server.token! });
    second = await again.start('demo.sleep', { items: 2, ms: 10 });
    const events = await reading;
    const seqs = events.map((e) => e.seq);
    // One global stream from the start: every seq from 1 on, once each, in order.
    expect(seqs).toEqual(seqs.map((_, index) => index + 1));
    expect(events.filter((e) => e.jobId === second!.id).map((e) => e.type)).toContain('queued');
  });

  it('refuses a Host that is not this server (DNS rebinding)', async () => {
    const { base } = await serve();
    for (const host of ['evil.example', 'evil.example:80', `attacker.test:${new URL(base).port}`]) {
      const reply = await request(base, '/trpc/jobs.definitions', { headers: { host } });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatch(/DNS rebinding/);
      expect((await request(base, '/', { headers: { host } })).status).toBe(403);
    }
    for (const host of ['localhost', '127.0.0.1', '[::1]']) {
      const reply = await request(base, '/trpc/jobs.definitions', {
        headers: { host: `${host}:${new URL(base).port}` },
      });
      expect(reply.status).toBe(200);
    }
  });

  it('refuses mutations from another origin (CSRF)', async () => {
    const { base } = await serve();
    const body = startBody({ items: 1, ms: 1 });
    const foreign = await request(base, '/trpc/jobs.start', {
      method: 'POST',
      headers: { ...json, origin: 'http://evil.example' },
      body,
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toMatch(/cross-origin/);
    const crossSite = await request(base, '/trpc/jobs.start', {
      method: 'POST',
      headers: { ...json, 'sec-fetch-site': 'cross-site' },
      body,
    });
    expect(crossSite.status).toBe(403);
    // A cross-site HTML form can post text/plain without a preflight.
    const form = await request(base, '/trpc/jobs.start', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body,
    });
    expect(form.status).toBe(415);
    const same = await request(base, '/trpc/jobs.start', {
      method: 'POST',
      headers: { ...json, origin: base },
      body,
    });
    expect(same.status).toBe(200);
  });

  it('lists and stops schedules over HTTP, refusing another origin, and 404 for an unknown id', async () => {
    const { engine, base } = await serve();
    const api = client(base);
    const first = await api.start('demo.sleep', { items: 1, ms: 1 }, { every: '1h' });
    await engine.waitFor(first.id);
    const [schedule] = await api.schedules();
    expect(schedule).toMatchObject({ id: first.scheduleId, name: 'demo.sleep', every: '1h', paused: false });
    const pause = (headers: Record<string, string>, id = schedule!.id) =>
      request(base, '/trpc/schedules.pause', { method: 'POST', headers, body: JSON.stringify({ id }) });
    const foreign = await pause({ ...json, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await api.schedules())[0]!.paused).toBe(false);
    expect((await pause({ ...json, origin: base })).status).toBe(200);
    expect((await api.schedules())[0]).toMatchObject({ paused: true, nextRunAt: null });
    const unknown = await pause(json, 's_nope');
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.message).toBe('no schedule with id s_nope');
    await api.removeSchedule(schedule!.id);
    expect(await api.schedules()).toEqual([]);
  });

  it('requires a token off loopback, generated when not given, by header, URL or cookie', async () => {
    const { base, server } = await serve({ host: '0.0.0.0' });
    const token = server.token!;
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(server.url).toContain(`?token=${token}`);
    const local = { host: `127.0.0.1:${server.port}` };

    const none = await request(base, '/trpc/jobs.definitions', { headers: local });
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body).error.message).toMatch(/token/);
    expect((await request(base, '/', { headers: local })).status).toBe(401);
    expect((await request(base, '/metrics', { headers: local })).status).toBe(401);
    const wrong = await request(base, '/trpc/jobs.definitions', {
      headers: { ...local, authorization: 'Bearer nope' },
    });
    expect(wrong.status).toBe(401);

    const bearer = await request(base, '/trpc/jobs.definitions', {
      headers: { ...local, authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    // Jupyter's way: the URL's token becomes a cookie and leaves the address bar.
    const landing = await request(base, `/?token=${token}`, { headers: local });
    expect(landing.status).toBe(302);
    expect(landing.headers.location).toBe('/');
    const cookie = String(landing.headers['set-cookie']).split(';')[0]!;
    expect(String(landing.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    expect((await request(base, '/trpc/jobs.definitions', { headers: { ...local, cookie } })).status).toBe(
      200,
    );

    const api = client(base, token);
    const job = await api.start('demo.sleep', { items: 2, ms: 10 });
    const events = await collect(api.events({ jobId: job.id, after: 0 }));
    expect(events.at(-1)?.type).toBe('finished');
  });

  it('requires a token of its own on loopback by default; token: false serves without, never off loopback', async () => {
    const { server } = await serve();
    const base = `http://127.0.0.1:${server.port}`;
    expect(server.token).toMatch(/^[\w-]{40,}$/);
    expect(server.url).toBe(`${base}/?token=${server.token}`);
    const bare = { authorization: '' };
    expect((await request(base, '/trpc/jobs.definitions', { headers: bare })).status).toBe(401);
    expect((await request(base, '/metrics', { headers: bare })).status).toBe(401);
    // A browser without the cookie gets a form that sends the token the way the printed URL does.
    const page = await request(base, '/', { headers: { ...bare, accept: 'text/html' } });
    expect(page.status).toBe(401);
    expect(page.body).toMatch(/<form method="get" action="\/"><input name="token"/);
    const scraper = await request(base, '/metrics', { headers: { authorization: `Bearer ${server.token}` } });
    expect(scraper.status).toBe(200);
    expect(scraper.body).toMatch(/^threadline_jobs\{/m);

    const open = await serve({ token: false });
    expect(open.server.token).toBeUndefined();
    expect((await request(open.base, '/trpc/jobs.definitions')).status).toBe(200);
    await expect(serve({ token: false, host: '0.0.0.0' })).rejects.toThrow(/without a token/);
  });

  it('requires a token on loopback too when one is given', async () => {
    const { base } = await serve({ token: 'sesame' });
    expect((await request(base, '/trpc/jobs.definitions')).status).toBe(401);
    expect(
      (await request(base, '/trpc/jobs.definitions', { headers: { authorization: 'Bearer sesame' } })).status,
    ).toBe(200);
  });

  it('refuses any path in a job input that resolves outside the allowed folders', async () => {
    const root = tempDir();
    const outside = tempDir();
    mkdirSync(join(root, 'photos'));
    writeFileSync(join(root, 'photos', 'a.txt'), 'a');
    symlinkSync(outside, join(root, 'escape'));
    const { base, engine } = await serve({ allow: [root] });
    const api = client(base);

    for (const [field, path] of [
      ['root', outside],
      ['root', '/etc'],
      ['root', join(root, '..')],
      ['root', `${root}/photos/../../`],
      ['root', join(root, 'escape')],
      ['root', join(root, 'escape', 'new-folder')],
      ['output', `file://${outside}/index.jsonl`],
      ['root', '~/'],
    ] as const) {
      const input = field === 'root' ? { root: path } : { root: join(root, 'photos'), output: path };
      const error = await api.start('files.index', input).catch((e: unknown) => e);
      expect(error, path).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(/outside the allowed folders/);
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual([field]);
    }
    // A relative path resolves against the server's working folder, as the job will resolve it.
    const job = await api.start('files.index', {
      root: relative(process.cwd(), join(root, 'photos')),
      output: join(root, 'photos.index.jsonl'),
    });
    const done = await engine.waitFor(job.id);
    expect(done.state, JSON.stringify(done.error)).toBe('succeeded');
    const inside = await api.start('files.index', {
      root: join(root, 'photos'),
      output: join(root, 'i.jsonl'),
    });
    expect((await engine.waitFor(inside.id)).state).toBe('succeeded');
    // The job is given the real location the check saw, so a link swapped after it is not followed.
    symlinkSync(join(root, 'photos'), join(root, 'album'));
    const linked = await api.start('files.index', {
      root: join(root, 'album'),
      output: join(root, 'a.jsonl'),
    });
    expect(linked.input).toMatchObject({ root: realpathSync(join(root, 'photos')) });
    await engine.waitFor(linked.id);
  });

  it('starts only registered jobs, never a module named by path', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'evil.mjs'), 'export default {}');
    const { base } = await serve({ allow: [dir] });
    const reply = await request(base, '/trpc/jobs.start', {
      method: 'POST',
      headers: json,
      body: startBody({}, join(dir, 'evil.mjs')),
    });
    expect(reply.status).toBe(404);
    expect(JSON.parse(reply.body).error.message).toMatch(/unknown job/);
  });

  it('answers BAD_REQUEST naming the field for invalid input', async () => {
    const { base } = await serve();
    const reply = await request(base, '/trpc/jobs.start', {
      method: 'POST',
      headers: json,
      body: startBody({ items: 'lots' }),
    });
    expect(reply.status).toBe(400);
    const error = JSON.parse(reply.body).error;
    expect(error.message).toMatch(/items/);
    expect(error.data.issues[0].path).toBe('items');
    expect(error.data.stack).toBeUndefined();
  });

  it('refuses a request body over the limit', async () => {
    const { base } = await serve({ maxBodyBytes: 1000 });
    const big = startBody({ items: 1, ms: 1, pad: 'x'.repeat(2000) });
    const declared = await request(base, '/trpc/jobs.start', { method: 'POST', headers: json, body: big });
    expect(declared.status).toBe(413);
    const chunked = await request(base, '/trpc/jobs.start', {
      method: 'POST',
      headers: { ...json, 'transfer-encoding': 'chunked' },
      body: big,
    });
    expect(chunked.status).toBe(413);
  });

  it('serves Prometheus metrics', async () => {
    const { base, engine } = await serve();
    const job = await engine.start('demo.sleep', { items: 3, ms: 5 });
    await engine.waitFor(job.id);
    const reply = await request(base, '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(reply.body).toMatch(/^# TYPE threadline_jobs gauge$/m);
    expect(reply.body).toMatch(/^threadline_jobs\{state="succeeded"\} 1$/m);
    expect(reply.body).toMatch(/^threadline_items_processed_total 3$/m);
    expect(reply.body).toMatch(/^threadline_pool_size 2$/m);
    expect(reply.body).toMatch(/^threadline_pool_busy_workers \d+$/m);
    expect(reply.body).toMatch(/^threadline_event_subscribers \d+$/m);
  });

  it('serves the page with headers that keep it out of frames and other sites', async () => {
    const { base } = await serve();
    const page = await request(base, '/');
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<div id="root">/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect((await request(base, '/assets/nope.js')).status).toBe(404);
    expect((await request(base, '/../../etc/passwd')).body).not.toMatch(/root:/);
  });
});
