import { describe, expect, it } from 'vitest';
import type { Csr } from '../src/index.js';
import { toCsc } from '../src/features/sparse.js';
import { accumulateLogits, gradientColumns, kernelsFor } from '../src/model/objectiveKernel.js';
import { parallelObjective } from '../src/model/parallelObjective.js';

/** A deterministic random sparse matrix (about `density` of the cells set), rows l2-normalised. */
function randomCsr(rows: number, cols: number, density: number, seed = 1): Csr {
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < rows; i++) {
    const start = data.length;
    for (let j = 0; j < cols; j++) {
      if (rand() < density) {
        indices.push(j);
        data.push(rand());
      }
    }
    const norm = Math.hypot(...data.slice(start)) || 1;
    for (let p = start; p < data.length; p++) data[p] = (data[p] as number) / norm;
    indptr.push(data.length);
  }
  return { rows, cols, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float64Array.from(data) };
}

describe('toCsc', () => {
  it('holds the same cells by column, rows ascending', () => {
    const X = randomCsr(30, 12, 0.3);
    const c = toCsc(X);
    const byRow = new Map<string, number>();
    for (let i = 0; i < X.rows; i++) {
      for (let p = X.indptr[i] as number; p < (X.indptr[i + 1] as number); p++) byRow.set(`${i},${X.indices[p]}`, X.data[p] as number);
    }
    const byCol = new Map<string, number>();
    for (let j = 0; j < c.cols; j++) {
      for (let p = c.colptr[j] as number; p < (c.colptr[j + 1] as number); p++) {
        if (p > (c.colptr[j] as number)) expect(c.rowIdx[p] as number).toBeGreaterThan(c.rowIdx[p - 1] as number);
        byCol.set(`${c.rowIdx[p]},${j}`, c.data[p] as number);
      }
    }
    expect(byCol).toEqual(byRow);
  });
});

describe('kernels specialised for K', () => {
  it('give bit-identical results to the generic loops', () => {
    const K = 7;
    const X = toCsc(randomCsr(50, 40, 0.2));
    const w = Float64Array.from({ length: X.cols * K + K }, (_, i) => Math.sin(i));
    const residual = Float64Array.from({ length: X.rows * K }, (_, i) => Math.cos(i));
    const spec = kernelsFor(K);
    const z1 = new Float64Array(X.rows * K);
    const z2 = new Float64Array(X.rows * K);
    accumulateLogits(X.colptr, X.rowIdx, X.data, K, w, z1, 3, 33);
    spec.accumulateLogits(X.colptr, X.rowIdx, X.data, K, w, z2, 3, 33);
    expect(z2).toEqual(z1);
    expect(z1.some((v) => v !== 0)).toBe(true);
    const g1 = new Float64Array(w.length);
    const g2 = new Float64Array(w.length);
    const sq1 = gradientColumns(X.colptr, X.rowIdx, X.data, K, residual, w, g1, X.rows, 0.01, 0, X.cols);
    const sq2 = spec.gradientColumns(X.colptr, X.rowIdx, X.data, K, residual, w, g2, X.rows, 0.01, 0, X.cols);
    expect(g2).toEqual(g1);
    expect(sq2).toBe(sq1);
  });
});

describe('parallelObjective', () => {
  const K = 4;
  const X = randomCsr(400, 90, 0.1, 7);
  const y = Int32Array.from({ length: X.rows }, (_, i) => (i * 7) % K);
  const w = Float64Array.from({ length: X.cols * K + K }, (_, i) => Math.sin(3 * i) / 2);

  it('gives the single-thread value and gradient when split between threads, the same on every call', async () => {
    const one = parallelObjective(X, y, K, 3, 1);
    const two = parallelObjective(X, y, K, 3, 2);
    try {
      const g1 = new Float64Array(w.length);
      const g2 = new Float64Array(w.length);
      const g3 = new Float64Array(w.length);
      const f1 = one.objective(w, g1);
      const f2 = two.objective(w, g2);
      const f3 = two.objective(w, g3);
      expect(f2).toBeCloseTo(f1, 12);
      for (let i = 0; i < w.length; i++) expect(g2[i]).toBeCloseTo(g1[i] as number, 12);
      expect(f3).toBe(f2);
      expect(g3).toEqual(g2);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});
