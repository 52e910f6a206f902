// Linear regression by full-batch gradient descent on standardized features.
// Gradient descent rather than the closed form so a long fit has epochs to
// report (the loss as it falls) and places to check for cancellation.

export interface LinearModel {
  /** Weights and intercept in the data's own units: y ≈ intercept + Σ weights[i] · x[i]. */
  weights: number[];
  intercept: number;
}

export interface FitOptions {
  epochs: number;
  learningRate: number;
  /** Stop early when the loss improves by less than this fraction in an epoch. */
  tolerance: number;
  /** A model to continue from (warm start), in the data's units. */
  initial?: LinearModel;
  /** Called after each epoch with the mean squared error; throw from it to stop. */
  onEpoch?: (epoch: number, mse: number) => void;
}

export interface FitResult extends LinearModel {
  mse: number;
  r2: number;
  epochs: number;
}

export function fitLinear(x: number[][], y: number[], options: FitOptions): FitResult {
  const n = y.length;
  const k = x[0]?.length ?? 0;
  if (n === 0) throw new Error('no rows to fit');
  const mean = Array.from({ length: k }, (_, j) => x.reduce((sum, row) => sum + row[j]!, 0) / n);
  const std = Array.from({ length: k }, (_, j) => {
    const variance = x.reduce((sum, row) => sum + (row[j]! - mean[j]!) ** 2, 0) / n;
    return Math.sqrt(variance) || 1; // a constant column carries no signal; avoid dividing by zero
  });
  const z = x.map((row) => row.map((value, j) => (value - mean[j]!) / std[j]!));

  // In standardized space: w_z[j] = w[j]·std[j], b_z = b + Σ w[j]·mean[j].
  let w = options.initial
    ? options.initial.weights.map((wj, j) => wj * std[j]!)
    : new Array<number>(k).fill(0);
  let b = options.initial
    ? options.initial.intercept + options.initial.weights.reduce((sum, wj, j) => sum + wj * mean[j]!, 0)
    : y.reduce((sum, v) => sum + v, 0) / n;

  let mse = meanSquaredError(z, y, w, b);
  let epoch = 0;
  while (epoch < options.epochs) {
    const gradW = new Array<number>(k).fill(0);
    let gradB = 0;
    for (let i = 0; i < n; i++) {
      const row = z[i]!;
      let error = b - y[i]!;
      for (let j = 0; j < k; j++) error += w[j]! * row[j]!;
      gradB += error;
      for (let j = 0; j < k; j++) gradW[j]! += error * row[j]!;
    }
    w = w.map((wj, j) => wj - (options.learningRate * 2 * gradW[j]!) / n);
    b -= (options.learningRate * 2 * gradB) / n;
    epoch++;
    const next = meanSquaredError(z, y, w, b);
    if (!Number.isFinite(next))
      throw new Error(`the fit diverged at epoch ${epoch}: lower the learning rate`);
    options.onEpoch?.(epoch, next);
    const improved = mse - next;
    mse = next;
    if (improved >= 0 && improved <= options.tolerance * Math.max(mse, Number.EPSILON)) break;
  }

  const weights = w.map((wz, j) => wz / std[j]!);
  const intercept = b - weights.reduce((sum, wj, j) => sum + wj * mean[j]!, 0);
  const meanY = y.reduce((sum, v) => sum + v, 0) / n;
  const variance = y.reduce((sum, v) => sum + (v - meanY) ** 2, 0) / n;
  return { weights, intercept, mse, r2: variance > 0 ? 1 - mse / variance : 1, epochs: epoch };
}

function meanSquaredError(z: number[][], y: number[], w: number[], b: number): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    let prediction = b;
    const row = z[i]!;
    for (let j = 0; j < w.length; j++) prediction += w[j]! * row[j]!;
    sum += (prediction - y[i]!) ** 2;
  }
  return sum / y.length;
}
