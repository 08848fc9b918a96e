import type { Architecture } from './config.js';

/**
 * List prices, us-east-1, USD, as published on aws.amazon.com/lambda/pricing and
 * aws.amazon.com/api-gateway/pricing; unchanged from 2020 through the date below. Other regions differ.
 */
export const PRICES = {
  asOf: '2025-06-01',
  region: 'us-east-1',
  lambda: {
    perMillionRequests: 0.2,
    /** Per GB-second of duration, by architecture, in monthly tiers (GB-seconds up to the bound). */
    durationTiers: {
      x86_64: [
        { upTo: 6e9, perGbSecond: 0.0000166667 },
        { upTo: 15e9, perGbSecond: 0.0000150000 },
        { upTo: Number.POSITIVE_INFINITY, perGbSecond: 0.0000133334 },
      ],
      arm64: [
        { upTo: 7.5e9, perGbSecond: 0.0000133334 },
        { upTo: 18.75e9, perGbSecond: 0.0000120001 },
        { upTo: Number.POSITIVE_INFINITY, perGbSecond: 0.0000106667 },
      ],
    },
    /** Provisioned concurrency: per GB-second configured (billed idle or not), and duration while used. */
    provisioned: {
      x86_64: { perGbSecondConfigured: 0.0000041667, perGbSecondDuration: 0.0000097222 },
      arm64: { perGbSecondConfigured: 0.0000033334, perGbSecondDuration: 0.0000077778 },
    },
    /** The always-free tier, per account and month (shared by every function in the account). */
    freeTier: { requests: 1_000_000, gbSeconds: 400_000 },
  },
  apiGatewayRest: {
    /** REST API calls, per million, in monthly tiers (calls up to the bound). */
    tiers: [
      { upTo: 333e6, perMillion: 3.5 },
      { upTo: 1e9, perMillion: 2.8 },
      { upTo: 20e9, perMillion: 2.38 },
      { upTo: Number.POSITIVE_INFINITY, perMillion: 1.51 },
    ],
  },
} as const;

/** Seconds in an average month (365.25 / 12 days), for provisioned concurrency billed by the second. */
const SECONDS_PER_MONTH = 2_629_800;

export interface CostInput {
  requestsPerMonth: number;
  /** Measured average billed duration per request (Lambda REPORT "Billed Duration"). @unit ms */
  averageDurationMs: number;
  memoryMb: number;
  architecture: Architecture;
  /** Environments kept warm all month on the alias. @default 0 */
  provisionedConcurrency?: number;
  /** Subtract Lambda's always-free tier (only if nothing else in the account uses it). @default false */
  applyFreeTier?: boolean;
}

export interface CostEstimate {
  input: Required<CostInput>;
  lambdaRequests: number;
  lambdaDuration: number;
  lambdaProvisioned: number;
  apiGateway: number;
  total: number;
  /** Lambda and API Gateway cost of one million requests at this duration and memory. */
  perMillionRequests: { lambda: number; apiGateway: number };
  gbSeconds: number;
}

function tiered(quantity: number, tiers: readonly { upTo: number; price: number }[]): number {
  let cost = 0;
  let from = 0;
  for (const tier of tiers) {
    if (quantity <= from) break;
    cost += (Math.min(quantity, tier.upTo) - from) * tier.price;
    from = tier.upTo;
  }
  return cost;
}

/**
 * Monthly cost of the endpoint: Lambda requests + duration (+ provisioned concurrency) + REST API calls.
 *
 * @example
 * estimateMonthlyCost({ requestsPerMonth: 1e6, averageDurationMs: 200, memoryMb: 256, architecture: 'x86_64' }).total; // ~4.53
 */
export function estimateMonthlyCost(input: CostInput): CostEstimate {
  const full: Required<CostInput> = { provisionedConcurrency: 0, applyFreeTier: false, ...input };
  const { requestsPerMonth: requests, averageDurationMs, memoryMb, architecture, provisionedConcurrency } = full;
  for (const [name, value] of Object.entries({ requests, averageDurationMs, memoryMb, provisionedConcurrency })) {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  }
  const L = PRICES.lambda;
  const gb = memoryMb / 1024;
  const gbSeconds = requests * (averageDurationMs / 1000) * gb;

  let lambdaProvisioned = 0;
  let lambdaDuration: number;
  if (provisionedConcurrency > 0) {
    // Requests served by warm environments bill at the lower provisioned duration rate (assumed: all of them,
    // while traffic stays within the provisioned capacity).
    const p = L.provisioned[architecture];
    lambdaProvisioned = provisionedConcurrency * gb * SECONDS_PER_MONTH * p.perGbSecondConfigured;
    lambdaDuration = gbSeconds * p.perGbSecondDuration;
  } else {
    const freeGbS = full.applyFreeTier ? L.freeTier.gbSeconds : 0;
    const tiers = L.durationTiers[architecture].map((t) => ({ upTo: t.upTo, price: t.perGbSecond }));
    lambdaDuration = tiered(Math.max(0, gbSeconds - freeGbS), tiers);
  }
  const billableRequests = Math.max(0, requests - (full.applyFreeTier ? L.freeTier.requests : 0));
  const lambdaRequests = (billableRequests / 1e6) * L.perMillionRequests;
  const apiTiers = PRICES.apiGatewayRest.tiers.map((t) => ({ upTo: t.upTo, price: t.perMillion / 1e6 }));
  const apiGateway = tiered(requests, apiTiers);

  const perMillionLambda =
    L.perMillionRequests + 1e6 * (averageDurationMs / 1000) * gb * L.durationTiers[architecture][0].perGbSecond;
  return {
    input: full,
    lambdaRequests,
    lambdaDuration,
    lambdaProvisioned,
    apiGateway,
    total: lambdaRequests + lambdaDuration + lambdaProvisioned + apiGateway,
    perMillionRequests: { lambda: perMillionLambda, apiGateway: PRICES.apiGatewayRest.tiers[0].perMillion },
    gbSeconds,
  };
}

const usd = (n: number): string => `$${n.toFixed(2)}`;

/** The breakdown the `classifier-cost` CLI prints. */
export function formatCostReport(e: CostEstimate): string {
  const i = e.input;
  const lines = [
    `Monthly cost estimate (${PRICES.region} list prices as of ${PRICES.asOf}, USD)`,
    `  ${i.requestsPerMonth.toLocaleString('en-US')} requests/month, ${i.averageDurationMs} ms average, ${i.memoryMb} MB, ${i.architecture}` +
      (i.provisionedConcurrency ? `, ${i.provisionedConcurrency} provisioned` : '') +
      (i.applyFreeTier ? ', Lambda free tier applied' : ''),
    `  Lambda requests          ${usd(e.lambdaRequests).padStart(12)}`,
    `  Lambda duration          ${usd(e.lambdaDuration).padStart(12)}   (${Math.round(e.gbSeconds).toLocaleString('en-US')} GB-s)`,
  ];
  if (i.provisionedConcurrency) lines.push(`  Provisioned concurrency  ${usd(e.lambdaProvisioned).padStart(12)}`);
  lines.push(
    `  API Gateway REST calls   ${usd(e.apiGateway).padStart(12)}`,
    `  Total                    ${usd(e.total).padStart(12)}`,
    `  Per million requests: Lambda ${usd(e.perMillionRequests.lambda)} + API Gateway ${usd(e.perMillionRequests.apiGateway)}` +
      ` (rule of thumb: ~$1 + $3.50)`,
    '  Not included: CloudWatch logs and metrics, S3, data transfer out, ECR storage.',
  );
  return lines.join('\n');
}
