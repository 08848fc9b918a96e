import { describe, expect, it } from 'vitest';
import { type Csr, argmaxRows, decisionFunction, fitLogisticRegression, lbfgs, logisticObjective } from '../src/index.js';

function csr(rows: number[][]): Csr {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const r of rows) {
    r.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        data.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return { rows: rows.length, cols: rows[0]?.length ?? 0, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float64Array.from(data) };
}

describe('lbfgs', () => {
  it('minimises a badly scaled quadratic', () => {
    const scales = [1, 10, 100, 1000];
    const r = lbfgs(
      (x, g) => {
        let f = 0;
        scales.forEach((s, i) => {
          const d = (x[i] as number) - (i + 1);
          f += 0.5 * s * d * d;
          g[i] = s * d;
        });
        return f;
      },
      new Float64Array(4),
      { maxIter: 200, gtol: 1e-10, ftol: 0 },
    );
    expect(r.converged).toBe(true);
    expect(Array.from(r.x)).toEqual([1, 2, 3, 4].map((v) => expect.closeTo(v, 6)));
  });
});

describe('fitLogisticRegression', () => {
  const X = csr([
    [1, 0, 0.5],
    [0.9, 0.1, 0],
    [0, 1, 0.2],
    [0.1, 0.8, 0],
    [0, 0, 1],
    [0.2, 0.1, 0.9],
  ]);
  const y = Int32Array.from([0, 0, 1, 1, 2, 2]);

  it('has a gradient that matches central finite differences of its objective', () => {
    const K = 3;
    const objective = logisticObjective(X, y, K, 2);
    const w0 = Float64Array.from({ length: X.cols * K + K }, (_, i) => Math.sin(i + 1) / 3);
    const analytic = new Float64Array(w0.length);
    objective(w0, analytic);
    const scratch = new Float64Array(w0.length);
    const h = 1e-6;
    for (let i = 0; i < w0.length; i++) {
      const a = Float64Array.from(w0);
      const b = Float64Array.from(w0);
      a[i] = (a[i] as number) + h;
      b[i] = (b[i] as number) - h;
      const numeric = (objective(a, scratch) - objective(b, scratch)) / (2 * h);
      expect(analytic[i]).toBeCloseTo(numeric, 7);
    }
  });

  it('separates separable data and predicts the training labels', () => {
    const m = fitLogisticRegression(X, y, 3, { C: 100, maxIter: 500, tol: 1e-6 });
    expect(m.converged).toBe(true);
    expect(Array.from(argmaxRows(decisionFunction(m, X), 3))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('is deterministic', () => {
    const a = fitLogisticRegression(X, y, 3, { C: 10, maxIter: 100, tol: 1e-6 });
    const b = fitLogisticRegression(X, y, 3, { C: 10, maxIter: 100, tol: 1e-6 });
    expect(Buffer.from(a.coef.buffer).equals(Buffer.from(b.coef.buffer))).toBe(true);
  });

  it('shrinks coefficients as C decreases (the L2 penalty is applied)', () => {
    const norm = (c: number) => {
      const m = fitLogisticRegression(X, y, 3, { C: c, maxIter: 500, tol: 1e-8 });
      return Math.hypot(...m.coef);
    };
    expect(norm(0.1)).toBeLessThan(norm(10));
  });
});
