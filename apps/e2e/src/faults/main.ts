/**
 * `npm run faults -w @org/classifier-e2e`: fault scenarios on local stages started from the
 * synthesized stack (or tampered copies of it). Always local: they kill processes and edit assets,
 * which a deployed stage does not allow. Writes reports/faults.json; exit 1 when a scenario fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberFromEnv } from '../cli/scriptTarget.js';
import { corruptModel, s3Unreachable, shaMismatch } from './badModel.js';
import { killUnderLoad } from './killUnderLoad.js';
import type { FaultResult } from './types.js';

const REPORTS = join(import.meta.dirname, '..', '..', 'reports');

async function main(): Promise<number> {
  if (process.env.STAGE_URL || process.env.E2E_OUTPUTS) {
    console.error('faults: STAGE_URL / E2E_OUTPUTS ignored: fault scenarios run on local stages only');
  }
  const seconds = numberFromEnv('FAULT_LOAD_SECONDS', 8);
  const scenarios: Array<() => Promise<FaultResult>> = [
    () => killUnderLoad({ seconds, killAt: seconds / 3, workers: 4 }),
    shaMismatch,
    corruptModel,
    s3Unreachable,
  ];
  const results: FaultResult[] = [];
  for (const run of scenarios) {
    const t0 = performance.now();
    const r = await run();
    results.push(r);
    console.log(`faults: ${r.passed ? 'PASS' : 'FAIL'} ${r.name} (${((performance.now() - t0) / 1000).toFixed(1)} s) ${JSON.stringify(r.figures)}`);
    for (const p of r.problems) console.log(`  - ${p}`);
  }
  mkdirSync(REPORTS, { recursive: true });
  writeFileSync(join(REPORTS, 'faults.json'), `${JSON.stringify({ at: new Date().toISOString(), results }, null, 2)}\n`);
  const failed = results.filter((r) => !r.passed).length;
  console.log(`faults: ${results.length - failed}/${results.length} passed; reports/faults.json`);
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`faults: ${(err as Error).message}`);
    process.exit(1);
  },
);
