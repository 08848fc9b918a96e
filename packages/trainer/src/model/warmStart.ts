import type { LogisticRegressionModel } from './logisticRegression.js';

/**
 * A starting point for a fit over `toTerms` from a model fitted over `fromTerms` (e.g. the model chosen
 * on the validation split, whose vocabulary came from 80% of the posts): each shared term keeps its
 * coefficients, new terms start at zero, the intercept carries over. The final fit then starts near
 * its optimum instead of at zero; the objective is convex, so only the path changes, not the optimum.
 */
export function warmStartFrom(model: LogisticRegressionModel, fromTerms: readonly string[], toTerms: readonly string[]): Float64Array {
  const K = model.classes;
  const index = new Map(fromTerms.map((t, i) => [t, i]));
  const init = new Float64Array(toTerms.length * K + K);
  toTerms.forEach((t, j) => {
    const i = index.get(t);
    if (i !== undefined) init.set(model.coef.subarray(i * K, (i + 1) * K), j * K);
  });
  init.set(model.intercept, toTerms.length * K);
  return init;
}
