/** f(x) and its gradient written into `grad`; returns f. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  /** Stop when the largest gradient component is below this. */
  gtol: number;
  /** Stop when the relative decrease of f in one step is below this (scipy's `ftol`). */
  ftol: number;
  memory?: number;
  /**
   * Stop when the loss fell by less than `tol` (relative) over the last `iterations` iterations. Unlike
   * `ftol`, which looks at one step, this ignores a single short step and cuts a long tail of steps
   * that change the loss little; they still change a few predictions, so such a stop is reported as
   * not converged (reason `plateau`).
   */
  plateau?: { iterations: number; tol: number };
  onIteration?: (iteration: number, f: number, gmax: number) => void;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  /**
   * True only for a stop at a tolerance of the optimum (`gtol`, `ftol`). A plateau stop is not
   * convergence: the loss was still falling, slowly, and the remaining steps do move predictions.
   */
  converged: boolean;
  reason: 'gtol' | 'ftol' | 'plateau' | 'maxIter' | 'lineSearch';
}

const STOP_REASONS: Readonly<Record<LbfgsResult['reason'], string>> = {
  gtol: 'gradient below tol',
  ftol: 'loss no longer decreasing',
  plateau: 'stopped by the plateau rule',
  maxIter: 'maxIter reached',
  lineSearch: 'no step decreased the loss',
};

/** For logs and the report: `converged (gradient below tol)`, `not converged (stopped by the plateau rule)`. */
export function describeStop(converged: boolean, reason: LbfgsResult['reason']): string {
  return `${converged ? 'converged' : 'not converged'} (${STOP_REASONS[reason]})`;
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
  // The last m steps s and gradient changes y, in a ring allocated once (a fresh pair per iteration
  // cost a garbage collection of two parameter-sized arrays each time). Slot of the k-th newest pair:
  // (head - 1 - k) mod m.
  const s = Array.from({ length: m }, () => new Float64Array(n));
  const y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  let stored = 0;
  let head = 0;
  let gamma = 1;
  const alpha = new Float64Array(m);
  const d = new Float64Array(n);
  const xNew = new Float64Array(n);
  const gNew = new Float64Array(n);
  const slot = (k: number) => (head - 1 - k + 2 * m) % m;
  const window = options.plateau?.iterations ?? 0;
  // history[it mod (window + 1)] is f after iteration `it` (iteration 0: the start).
  const history = new Float64Array(window + 1);
  history[0] = f;

  for (let it = 1; it <= options.maxIter; it++) {
    // Two-loop recursion: d = -H g. Each update of d is fused with the dot product the next step
    // needs, which halves the passes over these parameter-sized vectors.
    for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
    if (stored > 0) {
      let sd = dot(s[slot(0)] as Float64Array, d);
      for (let k = 0; k < stored; k++) {
        const a = (rho[slot(k)] as number) * sd;
        alpha[k] = a;
        const next = k + 1 < stored ? (s[slot(k + 1)] as Float64Array) : undefined;
        sd = axpyDot(-a, y[slot(k)] as Float64Array, d, next);
      }
      let yd = scaleDot(d, gamma, y[slot(stored - 1)] as Float64Array);
      for (let k = stored - 1; k >= 0; k--) {
        const b = (rho[slot(k)] as number) * yd;
        const next = k > 0 ? (y[slot(k - 1)] as Float64Array) : undefined;
        yd = axpyDot((alpha[k] as number) - b, s[slot(k)] as Float64Array, d, next);
      }
    } else {
      scale(d, 1 / Math.max(1, Math.sqrt(dot(g, g))));
    }
    let slope = dot(g, d);
    if (slope >= 0) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      stored = 0;
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

    // s = xNew - x, y = gNew - g, written into the oldest slot, with the products the update needs.
    const sk = s[head] as Float64Array;
    const yk = y[head] as Float64Array;
    let sy = 0;
    let yy = 0;
    let ss = 0;
    let gmax = 0;
    for (let i = 0; i < n; i++) {
      const si = (xNew[i] as number) - (x[i] as number);
      const gi = gNew[i] as number;
      const yi = gi - (g[i] as number);
      sk[i] = si;
      yk[i] = yi;
      sy += si * yi;
      yy += yi * yi;
      ss += si * si;
      const a = Math.abs(gi);
      if (a > gmax) gmax = a;
    }
    if (sy > 1e-12 * Math.sqrt(yy * ss)) {
      rho[head] = 1 / sy;
      gamma = sy / yy;
      head = (head + 1) % m;
      stored = Math.min(stored + 1, m);
    }
    const fPrev = f;
    x.set(xNew);
    g.set(gNew);
    f = fNew;
    options.onIteration?.(it, f, gmax);
    if (gmax < options.gtol) return { x, f, iterations: it, converged: true, reason: 'gtol' };
    if ((fPrev - f) / Math.max(Math.abs(fPrev), Math.abs(f), 1) <= options.ftol) {
      return { x, f, iterations: it, converged: true, reason: 'ftol' };
    }
    if (options.plateau && window > 0) {
      history[it % (window + 1)] = f;
      const before = history[(it + 1) % (window + 1)] as number; // f `window` iterations ago
      if (it >= window && (before - f) / Math.max(Math.abs(f), Number.MIN_VALUE) <= options.plateau.tol) {
        return { x, f, iterations: it, converged: false, reason: 'plateau' };
      }
    }
  }
  return { x, f, iterations: options.maxIter, converged: false, reason: 'maxIter' };
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** y += a x, and returns next . y (the updated y) when `next` is given. */
function axpyDot(a: number, x: Float64Array, y: Float64Array, next: Float64Array | undefined): number {
  if (!next) {
    for (let i = 0; i < x.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
    return 0;
  }
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (y[i] as number) + a * (x[i] as number);
    y[i] = v;
    sum += v * (next[i] as number);
  }
  return sum;
}

/** x *= a, and returns other . x (the scaled x). */
function scaleDot(x: Float64Array, a: number, other: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    const v = (x[i] as number) * a;
    x[i] = v;
    sum += v * (other[i] as number);
  }
  return sum;
}

function scale(x: Float64Array, a: number): void {
  for (let i = 0; i < x.length; i++) x[i] = (x[i] as number) * a;
}
