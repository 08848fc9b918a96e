/**
 * What the global setup hands to the test files (through vitest's `provide`/`inject`, so it must be
 * plain JSON). Keys travel only in memory, between vitest's own processes.
 */
export interface StageRef {
  readonly url: string;
  readonly apiKey: string;
}

/** A gateway-limit stage, or why there is none (the case fails with this message). */
export type LimitStage = ({ readonly available: true } & StageRef) | { readonly available: false; readonly reason: string };

export interface SuiteTarget extends StageRef {
  readonly kind: 'local' | 'deployed';
  /** Groups excluded with E2E_EXCLUDE. */
  readonly excluded: readonly string[];
  /** A key (and stage) whose usage plan has a low rate and burst: 2 req/s, burst 2 on the local stage. */
  readonly throttle: LimitStage;
  /** A key whose usage plan has a small quota: 5 a day on the local stage. */
  readonly quota: LimitStage;
  /** The limit numbers when known (local stage), to assert exact counts. */
  readonly limitPlans?: { readonly burstLimit: number; readonly quotaLimit: number };
}
