import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type TreeItem, treeItems } from '../src/lib/tree-items.js';
import { isInside } from '../src/lib/walk.js';
import { tempDir } from './helpers/temp.js';

describe('walking a tree', () => {
  it('turns a problem in the tree into an item that fails with the reason, in walk order', async () => {
    const root = tempDir();
    await mkdir(join(root, 'a'));
    await writeFile(join(root, 'a/one.jpg'), '');
    await symlink('..', join(root, 'a/back'));
    await writeFile(join(root, 'b.jpg'), '');
    await writeFile(join(root, 'c.txt'), '');

    const items: TreeItem[] = [];
    for await (const item of treeItems(root, (path) => path.endsWith('.jpg'), { followSymlinks: true })) {
      items.push(item);
    }

    // A file's item says where the walk found it, by the root's real path: the worker opens it there.
    const real = await realpath(root);
    expect(items).toEqual([
      { path: 'a/back', problem: 'symlink loop: points to a folder that contains it' },
      { path: 'a/one.jpg', real: join(real, 'a/one.jpg') },
      { path: 'b.jpg', real: join(real, 'b.jpg') },
    ]);
  });

  it('tells a folder inside another from a sibling that shares its prefix', () => {
    expect(isInside('/data/out', '/data')).toBe(true);
    expect(isInside('/data', '/data')).toBe(true);
    expect(isInside('/data-2/x', '/data')).toBe(false);
    expect(isInside('/data/..hidden', '/data')).toBe(true);
    expect(isInside('/other', '/data')).toBe(false);
  });
});
