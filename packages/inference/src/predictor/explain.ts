/** One token's (or n-gram's) contribution to the predicted class's logit. */
export interface TokenWeight {
  token: string;
  weight: number;
}

/** The explanation outputs of one batch (docs/contracts.md section 1), as onnxruntime returns them. */
export interface ExplainOutputs {
  post: BigInt64Array | readonly bigint[];
  token: readonly string[];
  contrib: Float32Array;
  classes: number;
}

/**
 * Groups the (post, feature) rows by post once, in O(U): `rowsByPost[n]` lists the row indices of post n.
 */
export function rowsByPost(outputs: ExplainOutputs, posts: number): number[][] {
  const rows: number[][] = Array.from({ length: posts }, () => []);
  for (let u = 0; u < outputs.post.length; u++) {
    rows[Number(outputs.post[u])]?.push(u);
  }
  return rows;
}

/**
 * Every feature's contribution to class `cls` for one post, summed per feature text (a graph may
 * emit the same feature twice; its contributions add up, so the sum identity still holds).
 */
export function contributions(outputs: ExplainOutputs, rows: readonly number[], cls: number): Map<string, number> {
  const byToken = new Map<string, number>();
  for (const u of rows) {
    const token = outputs.token[u] ?? '';
    const w = outputs.contrib[u * outputs.classes + cls] ?? 0;
    byToken.set(token, (byToken.get(token) ?? 0) + w);
  }
  return byToken;
}

/**
 * The `limit` features that moved the predicted class's logit most, ordered by absolute weight
 * (largest first; ties by token text, so the answer is deterministic). Absolute, not signed: a user
 * asking "why" needs the strongest evidence either way; a negative weight is a token that argued
 * against the predicted class. Weights are signed and exact: with the intercept they sum to the logit.
 */
export function topContributions(byToken: Map<string, number>, limit: number): TokenWeight[] {
  const all: TokenWeight[] = [];
  for (const [token, weight] of byToken) all.push({ token, weight });
  all.sort((a, b) => Math.abs(b.weight) - Math.abs(a.weight) || (a.token < b.token ? -1 : a.token > b.token ? 1 : 0));
  return all.slice(0, limit);
}
