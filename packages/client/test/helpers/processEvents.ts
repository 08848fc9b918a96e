/**
 * Runs `body` while collecting what the process emits as `event`, and stops listening afterwards.
 * For checks that something did not happen: an unhandled rejection, a MaxListenersExceededWarning.
 * Both are emitted on a later tick, so `body` should wait a little before asserting on `seen`.
 */
export async function watchingProcess<T>(event: 'unhandledRejection' | 'warning', body: (seen: unknown[]) => Promise<T>): Promise<T> {
  const seen: unknown[] = [];
  const listener = (value: unknown): void => {
    seen.push(value);
  };
  process.on(event, listener);
  try {
    return await body(seen);
  } finally {
    process.off(event, listener);
  }
}
