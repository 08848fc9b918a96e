/** The outcome of one fault scenario, as printed and written to reports/faults.json. */
export interface FaultResult {
  readonly name: string;
  readonly passed: boolean;
  /** What was checked and failed; empty when passed. */
  readonly problems: string[];
  readonly figures: Record<string, unknown>;
}

/** Collects failed checks without stopping at the first, so a report shows every broken expectation. */
export class Checks {
  readonly problems: string[] = [];

  that(ok: boolean, problem: string): void {
    if (!ok) this.problems.push(problem);
  }
}
