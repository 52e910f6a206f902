// model.train: a periodic job that fits a linear regression to a CSV file
// (which may change between runs), reports the loss as it falls, and writes
// the model file atomically. Each run continues from the last model.
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { defineJob, writeFileAtomic, z } from '@threadline/core/job';
import { parseCsv } from './lib/csv.js';
import { fitLinear, type LinearModel } from './lib/linear-regression.js';

const input = z.object({
  data: z.string().min(1).describe('CSV file with a header row and numeric columns'),
  target: z.string().min(1).optional().describe('Column to predict; default: the last column'),
  features: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Columns to predict from; default: every other column'),
  output: z.string().min(1).optional().describe('Model file to write (JSON); default: <data>.model.json'),
  epochs: z.number().int().min(1).max(1_000_000).default(2000).describe('Most passes over the data per run'),
  learningRate: z.number().positive().max(1).default(0.1).describe('Step size of gradient descent'),
  tolerance: z
    .number()
    .min(0)
    .default(1e-9)
    .describe('Stop a run early when the loss improves by less than this fraction'),
  warmStart: z.boolean().default(true).describe('Start from the model the previous run wrote'),
});
type Input = z.infer<typeof input>;

/** The model file. */
export interface ModelFile extends LinearModel {
  kind: 'linear-regression';
  target: string;
  features: string[];
  /** Mean squared error on the training data. */
  mse: number;
  r2: number;
  rows: number;
  epochs: number;
  trainedAt: string;
  /** The data file's mtime when read, to tell which version of the data this model saw. */
  dataModifiedAt: string;
}

export function modelPath(options: Pick<Input, 'data' | 'output'>): string {
  if (options.output) return resolve(options.output);
  const data = resolve(options.data);
  const ext = extname(data);
  return `${ext ? data.slice(0, -ext.length) : data}.model.json`;
}

export default defineJob({
  name: 'model.train',
  title: 'Train a model',
  description: 'Fits a linear regression to a CSV file, every 5 minutes, and writes the model as JSON.',
  input,
  unit: 'epochs',
  every: '5m',
  // Two runs writing one model file at once would only race each other.
  concurrency: 1,
  run: async (options: Input, ctx) => {
    const dataPath = resolve(options.data);
    const dataStats = await stat(dataPath);
    const { header, rows } = parseCsv(await readFile(dataPath, 'utf8'));
    const target = options.target ?? header.at(-1);
    if (!target || !header.includes(target)) throw new Error(`no column "${target ?? ''}" in ${dataPath}`);
    const features = options.features ?? header.filter((name) => name !== target);
    if (features.length === 0) throw new Error(`${dataPath} has no feature columns besides "${target}"`);
    const missing = features.filter((name) => !header.includes(name));
    if (missing.length > 0)
      throw new Error(`no column ${missing.map((name) => `"${name}"`).join(', ')} in ${dataPath}`);

    const featureIndex = features.map((name) => header.indexOf(name));
    const targetIndex = header.indexOf(target);
    const x: number[][] = [];
    const y: number[] = [];
    let skipped = 0;
    for (const row of rows) {
      const values = featureIndex.map((i) => toNumber(row[i]));
      const value = toNumber(row[targetIndex]);
      // A row with a blank or non-numeric cell is left out, not guessed at.
      if (value === undefined || values.some((v) => v === undefined)) skipped++;
      else {
        x.push(values as number[]);
        y.push(value);
      }
    }
    if (y.length === 0) throw new Error(`${dataPath} has no rows with numbers in every used column`);

    const output = modelPath(options);
    const previous = options.warmStart ? await readModel(output, features, target) : undefined;
    ctx.progress(0, options.epochs, `${y.length} rows${previous ? ', continuing from the last model' : ''}`);
    const fit = fitLinear(x, y, {
      epochs: options.epochs,
      learningRate: options.learningRate,
      tolerance: options.tolerance,
      ...(previous ? { initial: previous } : {}),
      onEpoch: (epoch, mse) => {
        ctx.throwIfCancelled();
        ctx.progress(epoch, options.epochs, `loss ${mse.toPrecision(4)}`);
      },
    });
    ctx.progress(fit.epochs, fit.epochs, `loss ${fit.mse.toPrecision(4)} after ${fit.epochs} epochs`);

    const model: ModelFile = {
      kind: 'linear-regression',
      target,
      features,
      weights: fit.weights,
      intercept: fit.intercept,
      mse: fit.mse,
      r2: fit.r2,
      rows: y.length,
      epochs: fit.epochs,
      trainedAt: new Date().toISOString(),
      dataModifiedAt: dataStats.mtime.toISOString(),
    };
    ctx.throwIfCancelled();
    await writeFileAtomic(output, `${JSON.stringify(model, null, 2)}\n`);
    return {
      model: output,
      rows: y.length,
      skippedRows: skipped,
      epochs: fit.epochs,
      mse: fit.mse,
      r2: fit.r2,
      warmStart: previous !== undefined,
    };
  },
});

function toNumber(cell: string | undefined): number | undefined {
  if (cell === undefined || cell.trim() === '') return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/** The previous model, when it exists and fits the same columns; anything else starts afresh. */
async function readModel(path: string, features: string[], target: string): Promise<LinearModel | undefined> {
  try {
    const model = JSON.parse(await readFile(path, 'utf8')) as Partial<ModelFile>;
    const sameShape =
      model.kind === 'linear-regression' &&
      model.target === target &&
      JSON.stringify(model.features) === JSON.stringify(features) &&
      Array.isArray(model.weights) &&
      model.weights.every(Number.isFinite) &&
      Number.isFinite(model.intercept);
    return sameShape
      ? { weights: model.weights as number[], intercept: model.intercept as number }
      : undefined;
  } catch {
    return undefined;
  }
}
