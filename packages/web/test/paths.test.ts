// The path policy on real folders: what it refuses, and the real paths it hands a job.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PathPolicy } from '../src/server/paths.js';
import { tempDir } from './helpers.js';

function folders() {
  const base = tempDir();
  const allowed = join(base, 'allowed');
  mkdirSync(join(allowed, 'photos'), { recursive: true });
  mkdirSync(join(base, 'secret'));
  // A link inside the root to a folder inside it: allowed, and resolved to where it leads.
  symlinkSync(join(allowed, 'photos'), join(allowed, 'latest'));
  return { base, allowed };
}

describe('PathPolicy.resolve', () => {
  it('hands the job the real locations it checked, leaving URLs and other values alone', async () => {
    const { allowed } = folders();
    const policy = await PathPolicy.create([allowed], allowed);

    const input = {
      root: 'latest',
      output: join(allowed, 'latest', 'new', 'index.jsonl'),
      feeds: ['https://example.org/feed.xml'],
      hash: true,
      size: 800,
    };

    expect(await policy.resolve(input)).toEqual({
      root: join(allowed, 'photos'),
      output: join(allowed, 'photos', 'new', 'index.jsonl'),
      feeds: ['https://example.org/feed.xml'],
      hash: true,
      size: 800,
    });
  });

  it('refuses a path whose real location is outside the roots, as check does', async () => {
    const { base, allowed } = folders();
    symlinkSync(join(base, 'secret'), join(allowed, 'way-out'));
    const policy = await PathPolicy.create([allowed], allowed);

    await expect(policy.resolve({ root: 'way-out' })).rejects.toThrow(
      /root: way-out is outside the allowed folders/,
    );
  });
});
