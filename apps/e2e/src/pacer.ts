/**
 * Spaces request starts at least `1000 / ratePerSecond` ms apart. The suite shares one pacer between
 * its raw requests and its client (through the client's `fetch` option), so together they stay under
 * the usage plan's rate and no case meets a 429 it did not provoke.
 */
export class Pacer {
  private next = 0;
  private readonly intervalMs: number;

  constructor(ratePerSecond: number) {
    this.intervalMs = ratePerSecond > 0 && Number.isFinite(ratePerSecond) ? 1000 / ratePerSecond : 0;
  }

  /** Resolves when the caller may start its request. */
  async slot(): Promise<void> {
    if (this.intervalMs === 0) return;
    const now = performance.now();
    const at = Math.max(now, this.next);
    this.next = at + this.intervalMs;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }

  /** A fetch that waits for a slot first (for `ClassifierClient`'s `fetch` option). */
  fetch(inner: typeof fetch = globalThis.fetch): typeof fetch {
    return async (input, init) => {
      await this.slot();
      return inner(input, init);
    };
  }
}
