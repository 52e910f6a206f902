import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../src/lib/csv.js';
import modelTrain, { type ModelFile } from '../src/model-train.js';
import { runInThread, testContext } from './helpers/context.js';
import { listTree, tempDir, tempFilesIn } from './helpers/temp.js';

/** y = 3·x1 − 2·x2 + 5, with a little deterministic noise, and a row a person left blank. */
function csv(rows: number, offset = 0): string {
  const lines = ['x1,x2,y'];
  for (let i = 0; i < rows; i++) {
    const x1 = ((i * 7) % 23) / 2 + offset;
    const x2 = ((i * 11) % 17) / 3;
    const noise = (((i * 37) % 11) - 5) / 100;
    lines.push(`${x1},${x2},${3 * x1 - 2 * x2 + 5 + noise}`);
  }
  lines.push('4,,');
  return `${lines.join('\n')}\n`;
}

const readModel = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as ModelFile;

describe('model.train', () => {
  it('fits a linear model to a CSV file, with the loss in its progress, and writes the model file', async () => {
    const dir = tempDir();
    const data = join(dir, 'prices.csv');
    await writeFile(data, csv(200));
    const ctx = testContext();

    const { summary } = await runInThread(modelTrain, { data }, ctx);

    const model = await readModel(join(dir, 'prices.model.json'));
    expect(model).toMatchObject({
      kind: 'linear-regression',
      target: 'y',
      features: ['x1', 'x2'],
      rows: 200,
    });
    expect(model.weights[0]).toBeCloseTo(3, 1);
    expect(model.weights[1]).toBeCloseTo(-2, 1);
    expect(model.intercept).toBeCloseTo(5, 1);
    expect(model.r2).toBeGreaterThan(0.999);
    expect(summary).toMatchObject({ rows: 200, skippedRows: 1, warmStart: false });
    const losses = ctx.updates.flatMap((u) =>
      u.message?.startsWith('loss ') ? [Number(u.message.split(' ')[1])] : [],
    );
    expect(losses.length).toBeGreaterThan(10);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 100);
  });

  it('continues from the last model when the data changes between runs', async () => {
    const dir = tempDir();
    const data = join(dir, 'data.csv');
    const output = join(dir, 'out/model.json');
    await writeFile(data, csv(200));
    const first = await runInThread(modelTrain, { data, output });
    await writeFile(data, csv(220, 0.5));

    const second = await runInThread(modelTrain, { data, output });

    expect(second.summary).toMatchObject({ rows: 220, warmStart: true });
    expect((second.summary as { epochs: number }).epochs).toBeLessThan(
      (first.summary as { epochs: number }).epochs,
    );
    expect((await readModel(output)).rows).toBe(220);
  });

  it('when cancelled mid-fit, keeps the previous model file whole and leaves no temporary file', async () => {
    const dir = tempDir();
    const data = join(dir, 'data.csv');
    await writeFile(data, csv(200));
    await runInThread(modelTrain, { data, epochs: 50 });
    const before = await readFile(join(dir, 'data.model.json'), 'utf8');
    await writeFile(data, csv(200, 3));
    const ctx = testContext((done) => {
      if (done === 20) ctx.cancel();
    });

    await expect(runInThread(modelTrain, { data, epochs: 5000, warmStart: false }, ctx)).rejects.toThrow(
      'cancelled',
    );

    expect(await readFile(join(dir, 'data.model.json'), 'utf8')).toBe(before);
    expect(await tempFilesIn(dir)).toEqual([]);
    expect(await listTree(dir)).toEqual(['data.csv', 'data.model.json']);
  });

  it('names a missing column', async () => {
    const dir = tempDir();
    const data = join(dir, 'data.csv');
    await writeFile(data, csv(10));
    await expect(runInThread(modelTrain, { data, target: 'price' })).rejects.toThrow('no column "price"');
    await expect(runInThread(modelTrain, { data, features: ['x1', 'size'] })).rejects.toThrow(
      'no column "size"',
    );
  });

  it('reads quoted CSV fields with commas, quotes, CRLF line ends and a byte-order mark', () => {
    expect(parseCsv('name,"note, with comma",v\r\n"a ""quoted"" name","x,y",1\r\n\r\nb,,2')).toEqual({
      header: ['name', 'note, with comma', 'v'],
      rows: [
        ['a "quoted" name', 'x,y', '1'],
        ['b', '', '2'],
      ],
    });
    expect(parseCsv('\uFEFFx,y\n1,2\n').header).toEqual(['x', 'y']);
  });
});
