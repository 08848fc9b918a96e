import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Csr } from '../src/index.js';
import { toCsc } from '../src/features/sparse.js';
import { accumulateLogits, gradientColumns, kernelsFor, residualRows } from '../src/model/objectiveKernel.js';
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

  it('give a bit-identical row pass (logits summed over several parts, softmax, loss, residual)', () => {
    const K = 7;
    const rows = 60;
    const partials = Array.from({ length: 5 }, (_, t) => Float64Array.from({ length: rows * K }, (_, i) => 3 * Math.sin(i * (t + 1.3))));
    const w = Float64Array.from({ length: 4 * K + K }, (_, i) => Math.cos(i) / 2);
    const y = Int32Array.from({ length: rows }, (_, i) => (i * 5) % K);
    const r1 = new Float64Array(rows * K);
    const r2 = new Float64Array(rows * K);
    // Non-zero starting sums: both add to them.
    const ig1 = Float64Array.from({ length: K }, (_, k) => k / 3);
    const ig2 = Float64Array.from(ig1);
    const l1 = residualRows(partials, w, 4 * K, y, K, r1, ig1, 5, 55);
    const l2 = kernelsFor(K).residualRows(partials, w, 4 * K, y, K, r2, ig2, 5, 55);
    expect(Object.is(l2, l1)).toBe(true);
    expect(r2).toEqual(r1);
    expect(ig2).toEqual(ig1);
    expect(r1.subarray(5 * K, 55 * K).every((v) => v !== 0)).toBe(true);
  });
});

describe('parallelObjective', () => {
  const K = 4;
  const X = randomCsr(400, 90, 0.1, 7);
  const y = Int32Array.from({ length: X.rows }, (_, i) => (i * 7) % K);
  const w = Float64Array.from({ length: X.cols * K + K }, (_, i) => Math.sin(3 * i) / 2);

  it('gives exactly the single-thread value and gradient when split between threads, the same on every call', async () => {
    const one = parallelObjective(X, y, K, 3, 1);
    const two = parallelObjective(X, y, K, 3, 2);
    try {
      const g1 = new Float64Array(w.length);
      const g2 = new Float64Array(w.length);
      const g3 = new Float64Array(w.length);
      const f1 = one.objective(w, g1);
      const f2 = two.objective(w, g2);
      const f3 = two.objective(w, g3);
      expect(Object.is(f2, f1)).toBe(true);
      expect(g2).toEqual(g1);
      expect(f3).toBe(f2);
      expect(g3).toEqual(g2);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });
});

describe('parallelObjective whatever the thread count', () => {
  it('gives bit-identical values and gradients with 1, 2 and 3 threads (and more threads than parts)', async () => {
    // 1,000 rows: the objective's fixed number of parts, each wider than one thread's share of 2 or 3.
    const K = 5;
    const X = randomCsr(1000, 150, 0.05, 11);
    const y = Int32Array.from({ length: X.rows }, (_, i) => (i * 3 + (i >> 4)) % K);
    let s = 42;
    const rand = () => {
      s = (s * 1103515245 + 12345) % 2147483648;
      return s / 2147483648 - 0.5;
    };
    const w = Float64Array.from({ length: X.cols * K + K }, () => 4 * rand());
    const results: { threads: number; f: number; g: Float64Array }[] = [];
    for (const threads of [1, 2, 3, 16]) {
      const p = parallelObjective(X, y, K, 7, threads);
      try {
        const g = new Float64Array(w.length);
        const f = p.objective(w, g);
        results.push({ threads, f, g });
      } finally {
        await p.close();
      }
    }
    const [first, ...others] = results as [(typeof results)[0], ...typeof results];
    expect(Number.isFinite(first.f)).toBe(true);
    for (const r of others) {
      expect(Object.is(r.f, first.f), `loss with ${r.threads} threads: ${r.f} vs ${first.f}`).toBe(true);
      expect(r.g, `gradient with ${r.threads} threads`).toEqual(first.g);
    }
  }, 30_000);
});

describe('the log-loss with extreme logits', () => {
  // log(sum_k exp(z_k)) - z_target, computed the stable way for the reference.
  const stableLoss = (z: number[], target: number) => {
    const max = Math.max(...z);
    return max + Math.log(z.reduce((a, v) => a + Math.exp(v - max), 0)) - (z[target] as number);
  };

  it('is finite, and the stable value, when the target logit is far below the largest', () => {
    const K = 3;
    // One row; the logits are the intercept (wSize 0) plus a zero partial: [0, 1000, -5], target 0.
    const w = Float64Array.from([0, 1000, -5]);
    const residual = new Float64Array(K);
    const interceptGrad = new Float64Array(K);
    const loss = residualRows([new Float64Array(K)], w, 0, Int32Array.from([0]), K, residual, interceptGrad, 0, 1);
    expect(Number.isFinite(loss)).toBe(true);
    expect(loss).toBe(stableLoss([0, 1000, -5], 0));
    expect(Array.from(residual)).toEqual([-1, 1, 0].map((v) => expect.closeTo(v, 12)));
  });

  it('stays finite in the objective with a huge coefficient, on one thread and on two', async () => {
    const rows = 256;
    const X: Csr = {
      rows,
      cols: 1,
      indptr: Int32Array.from({ length: rows + 1 }, (_, i) => i),
      indices: new Int32Array(rows),
      data: new Float64Array(rows).fill(1),
    };
    const y = new Int32Array(rows); // every row of class 0
    // coef [feature 0][class 0, class 1] = [0, 2000], intercepts 0: every row's logits are [0, 2000].
    const w = Float64Array.from([0, 2000, 0, 0]);
    const C = 10;
    const expected = stableLoss([0, 2000], 0) + (0.5 / (C * rows)) * 2000 ** 2;
    for (const threads of [1, 2]) {
      const p = parallelObjective(X, y, 2, C, threads);
      try {
        const grad = new Float64Array(w.length);
        const f = p.objective(w, grad);
        expect(f).toBeCloseTo(expected, 9);
        expect(grad.every(Number.isFinite)).toBe(true);
      } finally {
        await p.close();
      }
    }
  });
});

describe('parallelObjective when a worker thread fails', () => {
  const K = 2;
  const X = randomCsr(256, 10, 0.3, 3);
  const y = Int32Array.from({ length: X.rows }, (_, i) => i % K);
  const w = new Float64Array(X.cols * K + K);
  const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

  it('throws, naming the failure, when a worker dies during an evaluation (no hang), and on every later call', async () => {
    const p = parallelObjective(X, y, K, 1, 2, { workerScript: fixture('failingObjectiveWorker.js') });
    try {
      expect(() => p.objective(w, new Float64Array(w.length))).toThrow(/objective worker thread 1 failed: simulated worker failure/);
      expect(() => p.objective(w, new Float64Array(w.length))).toThrow(/simulated worker failure/);
    } finally {
      await p.close();
    }
  }, 20_000);

  it('throws when a worker cannot load', async () => {
    const p = parallelObjective(X, y, K, 1, 2, { workerScript: fixture('unloadableObjectiveWorker.js') });
    try {
      expect(() => p.objective(w, new Float64Array(w.length))).toThrow(/objective worker thread 1 failed: .*no-such-module/);
    } finally {
      await p.close();
    }
  }, 20_000);

  it('leaves no thread running after a failure or a rejected warm start (the process exits)', () => {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const script = fileURLToPath(new URL('./fixtures/threadsExit.ts', import.meta.url));
    for (const [scenario, error] of [
      ['bad-init', /RangeError: init has 3 values, expected 8/],
      ['worker-fails', /Error: objective worker thread 1 failed: simulated worker failure/],
    ] as const) {
      // A live worker keeps a process alive: the timeout (status null) is what the old code gave.
      const r = spawnSync(process.execPath, [tsx, script, scenario], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, `${scenario}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(error);
    }
  }, 70_000);
});
