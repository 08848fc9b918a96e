import { describe, expect, it } from 'vitest';
import { type Csr, argmaxRows, decisionFunction, fitLogisticRegression, lbfgs, logisticObjective } from '../src/index.js';
import { warmStartFrom } from '../src/model/warmStart.js';

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

describe('lbfgs plateau stop', () => {
  // A quartic: the loss keeps falling by ever smaller amounts, so only the plateau rule stops early.
  // The constant keeps the minimum away from 0, where a relative decrease is undefined.
  const quartic = (x: Float64Array, g: Float64Array) => {
    let f = 1;
    for (let i = 0; i < x.length; i++) {
      const d = (x[i] as number) - 1;
      f += d ** 4 + 0.001 * d * d;
      g[i] = 4 * d ** 3 + 0.002 * d;
    }
    return f;
  };

  it('stops when the loss fell by less than tol over the window, not before', () => {
    const full = lbfgs(quartic, new Float64Array(5).fill(3), { maxIter: 500, gtol: 0, ftol: -1 });
    const losses: number[] = [quartic(new Float64Array(5).fill(3), new Float64Array(5))];
    const early = lbfgs(quartic, new Float64Array(5).fill(3), {
      maxIter: 500,
      gtol: 0,
      ftol: -1,
      plateau: { iterations: 5, tol: 1e-6 },
      onIteration: (it, f) => {
        losses[it] = f;
      },
    });
    expect(early.reason).toBe('plateau');
    expect(early.iterations).toBeLessThan(full.iterations);
    const it = early.iterations;
    expect(((losses[it - 5] as number) - early.f) / early.f).toBeLessThanOrEqual(1e-6);
    // One iteration earlier the window still showed more than tol of progress.
    expect(((losses[it - 6] as number) - (losses[it - 1] as number)) / (losses[it - 1] as number)).toBeGreaterThan(1e-6);
  });

  it('reports a plateau stop as not converged, and a stop at the gradient tolerance as converged', () => {
    const start = () => new Float64Array(5).fill(3);
    const early = lbfgs(quartic, start(), { maxIter: 500, gtol: 0, ftol: -1, plateau: { iterations: 5, tol: 1e-6 } });
    expect(early.reason).toBe('plateau');
    expect(early.converged).toBe(false);
    const full = lbfgs(quartic, start(), { maxIter: 500, gtol: 1e-6, ftol: -1 });
    expect(full.reason).toBe('gtol');
    expect(full.converged).toBe(true);
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

  it('fits bit-identical coefficients with 1 and 2 threads (the model does not depend on the core count)', () => {
    // A random sparse problem large enough for the objective to be split into several parts.
    let seed = 5;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const rows = 600;
    const cols = 80;
    const K = 4;
    const dense = Array.from({ length: rows }, () => Array.from({ length: cols }, () => (rand() < 0.08 ? rand() : 0)));
    const big = csr(dense);
    const labels = Int32Array.from({ length: rows }, (_, i) => {
      // Mostly learnable (the class of the row's heaviest feature), with some noise.
      const r = dense[i] as number[];
      const j = r.indexOf(Math.max(...r));
      return rand() < 0.8 ? j % K : i % K;
    });
    const fit = (threads: number) => fitLogisticRegression(big, labels, K, { C: 50, maxIter: 300, tol: 1e-10, threads });
    const one = fit(1);
    const two = fit(2);
    expect(one.iterations).toBeGreaterThan(20);
    expect(two.coef).toEqual(one.coef);
    expect(two.intercept).toEqual(one.intercept);
    expect(two.iterations).toBe(one.iterations);
    expect(Object.is(two.loss, one.loss)).toBe(true);
  });

  it('starts from a warm start: a fit from its own solution stops within a few iterations', () => {
    const cold = fitLogisticRegression(X, y, 3, { C: 10, maxIter: 500, tol: 1e-8, plateau: { iterations: 5, tol: 1e-6 } });
    const init = new Float64Array(cold.coef.length + 3);
    init.set(cold.coef);
    init.set(cold.intercept, cold.coef.length);
    const warm = fitLogisticRegression(X, y, 3, { C: 10, maxIter: 500, tol: 1e-8, plateau: { iterations: 5, tol: 1e-6 }, init });
    expect(warm.iterations).toBeLessThan(cold.iterations / 2);
    expect(warm.loss).toBeLessThanOrEqual(cold.loss);
  });

  it('maps a warm start by term: shared terms keep their coefficients, new ones start at zero', () => {
    const m = fitLogisticRegression(X, y, 3, { C: 10, maxIter: 100, tol: 1e-6 });
    const init = warmStartFrom(m, ['a', 'b', 'c'], ['c', 'new', 'a']);
    expect(Array.from(init.subarray(0, 3))).toEqual(Array.from(m.coef.subarray(6, 9)));
    expect(Array.from(init.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Array.from(init.subarray(6, 9))).toEqual(Array.from(m.coef.subarray(0, 3)));
    expect(Array.from(init.subarray(9))).toEqual(Array.from(m.intercept));
  });

  it('shrinks coefficients as C decreases (the L2 penalty is applied)', () => {
    const norm = (c: number) => {
      const m = fitLogisticRegression(X, y, 3, { C: c, maxIter: 500, tol: 1e-8 });
      return Math.hypot(...m.coef);
    };
    expect(norm(0.1)).toBeLessThan(norm(10));
  });
});
