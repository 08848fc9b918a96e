import { describe, expect, it } from 'vitest';
import { estimateMonthlyCost, formatCostReport, PRICES } from '../src/cost.js';
import { runCostCli } from '../src/costCli.js';

const base = { requestsPerMonth: 1_000_000, averageDurationMs: 200, memoryMb: 256, architecture: 'x86_64' as const };

describe('Cost estimate', () => {
  it('carries the date and region of its prices', () => {
    expect(PRICES.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICES.region).toBe('us-east-1');
  });

  it('matches the article rule of thumb: ~$1 per million Lambda requests, $3.50 per million REST calls', () => {
    // 1M x 0.2 s x 0.25 GB = 50,000 GB-s = $0.83, plus $0.20 for the requests.
    const e = estimateMonthlyCost(base);
    expect(e.gbSeconds).toBeCloseTo(50_000, 6);
    expect(e.lambdaRequests).toBeCloseTo(0.2, 10);
    expect(e.lambdaDuration).toBeCloseTo(0.833335, 5);
    expect(e.lambdaRequests + e.lambdaDuration).toBeGreaterThan(0.9);
    expect(e.lambdaRequests + e.lambdaDuration).toBeLessThan(1.1);
    expect(e.apiGateway).toBeCloseTo(3.5, 10);
    expect(e.total).toBeCloseTo(0.2 + 0.833335 + 3.5, 5);
    expect(e.perMillionRequests.apiGateway).toBe(3.5);
  });

  it('prices arm64 duration 20% lower', () => {
    const x86 = estimateMonthlyCost(base);
    const arm = estimateMonthlyCost({ ...base, architecture: 'arm64' });
    expect(arm.lambdaDuration / x86.lambdaDuration).toBeCloseTo(0.8, 3);
    expect(arm.lambdaRequests).toBe(x86.lambdaRequests);
  });

  it('applies the API Gateway volume tiers past 333 million calls', () => {
    const e = estimateMonthlyCost({ ...base, requestsPerMonth: 1_000_000_000 });
    expect(e.apiGateway).toBeCloseTo(333 * 3.5 + 667 * 2.8, 6);
  });

  it('subtracts the Lambda free tier only when asked', () => {
    const e = estimateMonthlyCost({ ...base, applyFreeTier: true });
    expect(e.lambdaRequests).toBe(0);
    expect(e.lambdaDuration).toBe(0);
    expect(e.apiGateway).toBeCloseTo(3.5, 10);
  });

  it('bills provisioned concurrency for every second of the month', () => {
    const e = estimateMonthlyCost({ ...base, requestsPerMonth: 0, provisionedConcurrency: 2 });
    // 2 x 0.25 GB x 2,629,800 s x $0.0000041667
    expect(e.lambdaProvisioned).toBeCloseTo(2 * 0.25 * 2_629_800 * 0.0000041667, 6);
    expect(e.total).toBeCloseTo(e.lambdaProvisioned, 10);
  });

  it('rejects negative inputs', () => {
    expect(() => estimateMonthlyCost({ ...base, averageDurationMs: -1 })).toThrow(RangeError);
  });

  it('formats a breakdown with every line item and the total', () => {
    const text = formatCostReport(estimateMonthlyCost(base));
    for (const line of ['Lambda requests', 'Lambda duration', 'API Gateway REST calls', 'Total', '$4.53', PRICES.asOf]) {
      expect(text).toContain(line);
    }
  });
});

describe('classifier-cost CLI', () => {
  const run = (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = runCostCli(args, (s) => out.push(s), (s) => err.push(s));
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('prints the breakdown for the given traffic', () => {
    const r = run(['--requests', '1_000_000', '--duration-ms', '200', '--memory-mb', '256']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('1,000,000 requests/month, 200 ms average, 256 MB, x86_64');
    expect(r.out).toMatch(/Total\s+\$4\.53/);
  });

  it('prints JSON with --json', () => {
    const r = run(['--requests', '2000000', '--arch', 'arm64', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ input: { requestsPerMonth: 2_000_000, architecture: 'arm64', memoryMb: 256 } });
  });

  it.each([
    [[], /--requests is required/],
    [['--requests', 'many'], /--requests must be a non-negative number/],
    [['--requests', '1', '--arch', 'sparc'], /--arch must be x86_64 or arm64/],
    [['--requests', '1', '--bogus'], /Unknown option/],
  ])('exits 2 on bad arguments %j', (args, message) => {
    const r = run(args as string[]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});
