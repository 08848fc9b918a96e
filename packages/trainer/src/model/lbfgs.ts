/** f(x) and its gradient written into `grad`; returns f. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  /** Stop when the largest gradient component is below this. */
  gtol: number;
  /** Stop when the relative decrease of f in one step is below this (scipy's `ftol`). */
  ftol: number;
  memory?: number;
  onIteration?: (iteration: number, f: number, gmax: number) => void;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  converged: boolean;
  reason: 'gtol' | 'ftol' | 'maxIter' | 'lineSearch';
}

/**
 * Limited-memory BFGS with a backtracking Armijo line search. Written by hand because no maintained
 * npm package offers L-BFGS over large Float64Array parameter vectors without copying them into
 * arrays of numbers; the algorithm is the standard two-loop recursion (Nocedal & Wright, alg. 7.4).
 */
export function lbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions): LbfgsResult {
  const m = options.memory ?? 10;
  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let f = objective(x, g);
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);

  for (let it = 1; it <= options.maxIter; it++) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
    for (let k = s.length - 1; k >= 0; k--) {
      const a = (rho[k] as number) * dot(s[k] as Float64Array, d);
      alpha[k] = a;
      axpy(-a, y[k] as Float64Array, d);
    }
    if (s.length > 0) {
      const last = s.length - 1;
      const gamma = dot(s[last] as Float64Array, y[last] as Float64Array) / dot(y[last] as Float64Array, y[last] as Float64Array);
      scale(d, gamma);
    } else {
      scale(d, 1 / Math.max(1, Math.sqrt(dot(g, g))));
    }
    for (let k = 0; k < s.length; k++) {
      const b = (rho[k] as number) * dot(y[k] as Float64Array, d);
      axpy((alpha[k] as number) - b, s[k] as Float64Array, d);
    }
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
      slope = dot(g, d);
    }

    let step = 1;
    let fNew = Number.NaN;
    let accepted = false;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < n; i++) xNew[i] = (x[i] as number) + step * (d[i] as number);
      fNew = objective(xNew, gNew);
      if (Number.isFinite(fNew) && fNew <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) return { x, f, iterations: it, converged: false, reason: 'lineSearch' };

    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = (xNew[i] as number) - (x[i] as number);
      yk[i] = (gNew[i] as number) - (g[i] as number);
    }
    const sy = dot(sk, yk);
    if (sy > 1e-12 * Math.sqrt(dot(yk, yk) * dot(sk, sk))) {
      if (s.length === m) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sk);
      y.push(yk);
      rho.push(1 / sy);
    }
    const fPrev = f;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    const gmax = maxAbs(g);
    options.onIteration?.(it, f, gmax);
    if (gmax < options.gtol) return { x, f, iterations: it, converged: true, reason: 'gtol' };
    if ((fPrev - f) / Math.max(Math.abs(fPrev), Math.abs(f), 1) <= options.ftol) {
      return { x, f, iterations: it, converged: true, reason: 'ftol' };
    }
  }
  return { x, f, iterations: options.maxIter, converged: false, reason: 'maxIter' };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * a;
}

function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const v = Math.abs(x[i] as number);
    if (v > m) m = v;
  }
  return m;
}
