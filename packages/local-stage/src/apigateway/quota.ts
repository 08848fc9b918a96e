import type { QuotaLimits } from '../stack/model.js';

/**
 * The usage plan quota: at most `limit` requests per key in each period (DAY, WEEK or MONTH, in
 * UTC; `offset` shifts the first period by that many days). Requests refused by the throttle do not
 * count. https://docs.aws.amazon.com/apigateway/latest/api/API_QuotaSettings.html
 */
export class Quota {
  private periodStart = Number.NaN;
  private used = 0;

  constructor(readonly limits: QuotaLimits, private readonly now: () => number = Date.now) {}

  static periodStartOf(limits: QuotaLimits, epochMs: number): number {
    const d = new Date(epochMs - limits.offset * 86_400_000);
    let start: number;
    if (limits.period === 'DAY') start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    else if (limits.period === 'WEEK') {
      // "With a time period of WEEK, an offset of 0 starts on SUNDAY, and an offset of 1 starts on
      // MONDAY" (QuotaSettings, AWS SDK documentation).
      const day = d.getUTCDay();
      start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day);
    } else start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    return start + limits.offset * 86_400_000;
  }

  /** Whether one more request fits; does not count it. */
  hasRoom(): boolean {
    const start = Quota.periodStartOf(this.limits, this.now());
    if (start !== this.periodStart) {
      this.periodStart = start;
      this.used = 0;
    }
    return this.used < this.limits.limit;
  }

  count(): void {
    this.used++;
  }

  get remaining(): number {
    return Math.max(0, this.limits.limit - this.used);
  }
}
