import { parseArgs } from 'node:util';
import { testStage } from './config.js';
import { estimateMonthlyCost, formatCostReport } from './cost.js';

const USAGE = `Usage: classifier-cost --requests N [--duration-ms MS] [--memory-mb MB] [--arch x86_64|arm64]
                      [--provisioned N] [--free-tier] [--json]
  --requests      requests per month (required)
  --duration-ms   measured average billed duration per request (default 100)
  --memory-mb     function memory (default ${testStage.function.memoryMb}, the test stage)
  --arch          x86_64 (default) or arm64
  --provisioned   provisioned concurrency kept all month (default 0)
  --free-tier     subtract Lambda's always-free tier
  --json          print the estimate as JSON`;

/** Runs the CLI on `argv` (without node and script); returns the exit code. */
export function runCostCli(argv: string[], out: (s: string) => void = console.log, err: (s: string) => void = console.error): number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        requests: { type: 'string' },
        'duration-ms': { type: 'string', default: '100' },
        'memory-mb': { type: 'string', default: String(testStage.function.memoryMb) },
        arch: { type: 'string', default: testStage.function.architecture },
        provisioned: { type: 'string', default: '0' },
        'free-tier': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (values.requests === undefined) {
    err(`--requests is required\n${USAGE}`);
    return 2;
  }
  const arch = values.arch;
  if (arch !== 'x86_64' && arch !== 'arm64') {
    err(`--arch must be x86_64 or arm64, got ${arch}`);
    return 2;
  }
  const num = (name: string, v: string | undefined): number => {
    const n = Number(String(v).replaceAll('_', ''));
    if (!Number.isFinite(n) || n < 0) throw new RangeError(`--${name} must be a non-negative number, got ${v}`);
    return n;
  };
  try {
    const estimate = estimateMonthlyCost({
      requestsPerMonth: num('requests', values.requests),
      averageDurationMs: num('duration-ms', values['duration-ms']),
      memoryMb: num('memory-mb', values['memory-mb']),
      architecture: arch,
      provisionedConcurrency: num('provisioned', values.provisioned),
      applyFreeTier: values['free-tier'],
    });
    out(values.json ? JSON.stringify(estimate, null, 2) : formatCostReport(estimate));
    return 0;
  } catch (e) {
    err((e as Error).message);
    return 2;
  }
}
