/**
 * API Gateway throttles with a token bucket: the bucket holds `burstLimit` tokens, refills at
 * `rateLimit` tokens per second, and each request takes one; an empty bucket means 429.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly rateLimit: number,
    readonly burstLimit: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = burstLimit;
    this.last = this.now();
  }

  tryTake(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burstLimit, this.tokens + ((t - this.last) / 1000) * this.rateLimit);
    this.last = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}
