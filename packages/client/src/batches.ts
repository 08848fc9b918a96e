/**
 * Splits a long list of texts into requests the endpoint accepts (at most `MAX_TEXTS` texts and
 * `MAX_BODY_BYTES` bytes each) and runs them with bounded concurrency, keeping the input order.
 */

/**
 * Splits `texts` into consecutive batches of at most `maxCount` texts whose request body stays within
 * `maxBytes`: the JSON array of the texts plus `overheadBytes`, the bytes of whatever the body wraps
 * around the array (the rich form's `{"texts":` ... `,"topK":3}`; 0 for a bare array). A single text
 * larger than that gets a batch of its own (the server then answers `413`, which is the honest error
 * for it).
 *
 * @example
 * ```ts
 * splitBatches(['a', 'b', 'c'], 2, 1_000_000); // [['a', 'b'], ['c']]
 * ```
 */
export function splitBatches(texts: readonly string[], maxCount: number, maxBytes: number, overheadBytes = 0): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  // The wrapper and the JSON array's brackets; each text then costs its encoded length plus a comma.
  const emptyBytes = overheadBytes + 2;
  let currentBytes = emptyBytes;
  for (const text of texts) {
    const bytes = jsonUtf8Length(text) + 1;
    if (current.length > 0 && (current.length >= maxCount || currentBytes + bytes > maxBytes)) {
      batches.push(current);
      current = [];
      currentBytes = emptyBytes;
    }
    current.push(text);
    currentBytes += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * Runs `run` over `items` with at most `concurrency` in flight and returns the results in input order.
 * After the first failure no new item starts and the returned promise rejects with that failure; the
 * caller aborts the ones in flight.
 */
export async function mapInOrder<T, R>(
  items: readonly T[],
  concurrency: number,
  run: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await run(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** What a split call had completed: one entry per text of the whole list, and the positions without one. */
export interface Completed<R> {
  results: Array<R | undefined>;
  missing: number[];
}

/**
 * Places the results of the batches that completed (`parts[i]` for `batches[i]`, `undefined` for
 * the others) at their texts' positions in the whole list. `undefined` when none completed: there
 * is nothing for a caller to keep.
 *
 * @example
 * ```ts
 * completedResults([['a', 'b'], ['c']], [undefined, ['C']]); // { results: [undefined, undefined, 'C'], missing: [0, 1] }
 * ```
 */
export function completedResults<R>(
  batches: readonly (readonly string[])[],
  parts: ReadonlyArray<readonly R[] | undefined>,
): Completed<R> | undefined {
  if (!parts.some((part) => part !== undefined)) return undefined;
  // Filled rather than sized: a sparse array's holes are skipped by map and forEach, which would
  // misalign a caller's merge.
  const results = new Array<R | undefined>(batches.reduce((sum, batch) => sum + batch.length, 0)).fill(undefined);
  const missing: number[] = [];
  let offset = 0;
  batches.forEach((batch, i) => {
    const part = parts[i];
    for (let k = 0; k < batch.length; k++) {
      if (part === undefined) missing.push(offset + k);
      else results[offset + k] = part[k];
    }
    offset += batch.length;
  });
  return { results, missing };
}

/**
 * The bytes a request body spends around its JSON array of texts: `body` is that body built with an
 * empty array (`[]`), whose two bytes the splitter already counts.
 *
 * @example
 * ```ts
 * wrapperBytes(JSON.stringify({ texts: [], topK: 3 })); // 19: `{"texts":` and `,"topK":3}`
 * ```
 */
export function wrapperBytes(bodyWithEmptyArray: string): number {
  return new TextEncoder().encode(bodyWithEmptyArray).length - 2;
}

/** The UTF-8 length of `JSON.stringify(text)`, counted without allocating the bytes. */
function jsonUtf8Length(text: string): number {
  // After JSON.stringify, lone surrogates are escaped as \uXXXX (ES2019 well-formed stringify),
  // so every surrogate left is half of a pair that encodes to 4 bytes.
  const json = JSON.stringify(text);
  let bytes = 0;
  for (let i = 0; i < json.length; i++) {
    const unit = json.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
