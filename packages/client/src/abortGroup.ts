/**
 * Cancellation of the concurrent batches of one call: a caller's abort, or the first batch's
 * failure, stops every batch in flight.
 *
 * Each batch gets a signal of its own rather than one shared by all: every attempt and every backoff
 * sleep listens on the signal it is given, so a shared signal would hold one listener per batch in
 * flight, and with `batchConcurrency` over 10 Node would report a false leak
 * (MaxListenersExceededWarning). Here the caller's signal gets one listener, each batch's signal one
 * at a time, whatever the concurrency.
 */
export class AbortGroup {
  readonly #members = new Set<AbortController>();
  readonly #parent: AbortSignal | undefined;
  readonly #onParentAbort = (): void => this.abort(this.#parent?.reason);
  /** Set once the group is aborted; a box, since the reason itself may be `undefined`. */
  #aborted: { reason: unknown } | undefined;

  /** @param parent the caller's signal, if any: its abort aborts the whole group. */
  constructor(parent: AbortSignal | undefined) {
    this.#parent = parent;
    if (parent?.aborted) this.abort(parent.reason);
    else parent?.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /**
   * A signal for one batch, aborted with the group's reason when the group aborts (at once when it
   * already has). Call `leave` when the batch settles, so the group stops holding it.
   */
  join(): { signal: AbortSignal; leave: () => void } {
    const controller = new AbortController();
    if (this.#aborted !== undefined) controller.abort(this.#aborted.reason);
    else this.#members.add(controller);
    return { signal: controller.signal, leave: () => this.#members.delete(controller) };
  }

  /** Aborts every batch in flight, and any that joins later, with `reason`. Only the first call counts. */
  abort(reason: unknown): void {
    if (this.#aborted !== undefined) return;
    this.#aborted = { reason };
    for (const controller of this.#members) controller.abort(reason);
    this.#members.clear();
  }

  /** Stops listening to the caller's signal: the call is over, and its signal may outlive it. */
  close(): void {
    this.#parent?.removeEventListener('abort', this.#onParentAbort);
  }
}
