// The hot loop of the logistic objective, as plain JavaScript so that worker threads can load it
// without a TypeScript loader. Shared by the main thread and the workers (parallelObjective.ts).

/**
 * Adds the unscaled loss of rows [from, to) to the return value and their gradient terms to `grad`
 * (laid out as [features * K coefficients, K intercepts]); `grad` must be zeroed by the caller.
 * @param {Int32Array} indptr @param {Int32Array} indices @param {Float64Array} data
 * @param {Int32Array} y @param {number} K @param {Float64Array} w @param {Float64Array} grad
 * @param {number} from @param {number} to @returns {number}
 */
export function accumulateRows(indptr, indices, data, y, K, w, grad, from, to) {
  const wSize = w.length - K;
  const z = new Float64Array(K);
  let loss = 0;
  for (let i = from; i < to; i++) {
    const start = indptr[i];
    const end = indptr[i + 1];
    for (let k = 0; k < K; k++) z[k] = w[wSize + k];
    for (let p = start; p < end; p++) {
      const base = indices[p] * K;
      const x = data[p];
      for (let k = 0; k < K; k++) z[k] += x * w[base + k];
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (z[k] > max) max = z[k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(z[k] - max);
      z[k] = e;
      sum += e;
    }
    const target = y[i];
    loss += Math.log(sum) - Math.log(z[target]);
    // z becomes the residual p - onehot(y), the factor of every gradient term of this row.
    for (let k = 0; k < K; k++) z[k] /= sum;
    z[target] -= 1;
    for (let p = start; p < end; p++) {
      const base = indices[p] * K;
      const x = data[p];
      for (let k = 0; k < K; k++) grad[base + k] += x * z[k];
    }
    for (let k = 0; k < K; k++) grad[wSize + k] += z[k];
  }
  return loss;
}
