// Bad requests fail before anything moves, with the error class the CLI maps to exit code 2.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Connect, createEngine, NotFoundError, ValidationError } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { describe, expect, it } from 'vitest';
import { runWatch } from '../src/index.js';
import { list, tempDir } from './helpers.js';

function setup() {
  const root = tempDir();
  const inbox = join(root, 'inbox');
  mkdirSync(inbox);
  writeFileSync(join(inbox, 'photo.jpg'), 'waiting');
  let connected = 0;
  const connect: Connect = async () => {
    connected++;
    const engine = await createEngine({ registry: builtinJobs, poolSize: 1, dataDir: join(root, 'data') });
    return { client: engine, local: true, close: () => engine.close() };
  };
  const untouched = () => {
    expect(list(inbox).filter((name) => name !== 'done')).toEqual(['photo.jpg']);
    expect(existsSync(join(inbox, 'processing'))).toBe(false);
  };
  return { root, inbox, connect, untouched, connections: () => connected };
}

describe('threadline watch with bad input', () => {
  it('says a missing folder is not found, before connecting', async () => {
    const { root, connect, connections } = setup();
    const run = runWatch({ folder: join(root, 'nope'), job: 'files.checksum' }, { connect });
    await expect(run).rejects.toThrow(NotFoundError);
    await expect(run).rejects.toThrow(/folder not found: .*nope/);
    expect(connections()).toBe(0);
  });

  it('removes a probe file a killed watcher left in its folders, even when the request is refused', async () => {
    const { inbox, connect } = setup();
    const out = join(inbox, 'done');
    mkdirSync(out);
    for (const dir of [inbox, out]) writeFileSync(join(dir, '.threadline-probe-0badf00d'), '');
    const run = runWatch({ folder: inbox, job: 'image.scael' }, { connect });
    await expect(run).rejects.toThrow(NotFoundError);
    expect(list(inbox).filter((name) => name.startsWith('.threadline-probe-'))).toEqual([]);
    expect(list(out)).toEqual([]);
  });

  it('names the known jobs when the job is unknown, and moves nothing', async () => {
    const { inbox, connect, untouched } = setup();
    const run = runWatch({ folder: inbox, job: 'image.scael' }, { connect });
    await expect(run).rejects.toThrow(NotFoundError);
    await expect(run).rejects.toThrow(/unknown job "image.scael"; known jobs: .*image\.scale/);
    untouched();
  });

  it('names the field when the input does not validate, and moves nothing', async () => {
    const { inbox, connect, untouched } = setup();
    const error = await runWatch(
      { folder: inbox, job: 'image.scale', input: '{"size":-5}' },
      { connect },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['size']);
    untouched();
  });

  it('refuses an output folder it cannot write to, and input that is not JSON', async () => {
    const { root, inbox, connect, untouched } = setup();
    writeFileSync(join(root, 'a-file'), '');
    await expect(
      runWatch({ folder: inbox, job: 'files.checksum', out: join(root, 'a-file', 'out') }, { connect }),
    ).rejects.toThrow(/cannot write to the output folder .*a-file/);
    await expect(
      runWatch({ folder: inbox, job: 'files.checksum', input: '{size' }, { connect }),
    ).rejects.toThrow(ValidationError);
    untouched();
  });

  it('needs placeholders for a job without a built-in mapping', async () => {
    const { inbox, connect, untouched } = setup();
    await expect(runWatch({ folder: inbox, job: 'files.index' }, { connect })).rejects.toThrow(
      /\{\{file\}\}/,
    );
    untouched();
  });
});
