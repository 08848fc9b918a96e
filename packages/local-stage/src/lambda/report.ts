/** Lambda's platform log lines (START, END, REPORT), formatted as Lambda writes them to CloudWatch. */

export interface ReportFields {
  readonly requestId: string;
  readonly version: string;
  readonly durationMs: number;
  readonly memoryMb: number;
  readonly maxRssBytes: number;
  /** Present on the invocation that cold-started the environment. */
  readonly initMs?: number;
  /** `timeout` or `error` (Lambda adds `Status:` when the runtime failed). */
  readonly status?: 'timeout' | 'error';
  readonly errorType?: string;
}

export const startLine = (requestId: string, version: string) => `START RequestId: ${requestId} Version: ${version}`;
export const endLine = (requestId: string) => `END RequestId: ${requestId}`;

/**
 * Billed Duration is rounded up to the millisecond (1 ms granularity since December 2020) and, since
 * August 2025, includes the Init phase of on-demand zip functions on managed runtimes
 * (https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/).
 */
export function reportLine(f: ReportFields): string {
  const parts = [
    `REPORT RequestId: ${f.requestId}`,
    `Duration: ${f.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.ceil(f.durationMs + (f.initMs ?? 0))} ms`,
    `Memory Size: ${f.memoryMb} MB`,
    `Max Memory Used: ${Math.min(f.memoryMb, Math.ceil(f.maxRssBytes / 1048576))} MB`,
  ];
  if (f.initMs !== undefined) parts.push(`Init Duration: ${f.initMs.toFixed(2)} ms`);
  if (f.status) parts.push(`Status: ${f.status}`);
  if (f.errorType) parts.push(`Error Type: ${f.errorType}`);
  return parts.join('\t');
}

export const timeoutLine = (requestId: string, timeoutS: number) =>
  `${new Date().toISOString()} ${requestId} Task timed out after ${timeoutS.toFixed(2)} seconds`;
