import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { LIMIT_PLANS } from '../src/constants.js';
import { type StartedStage, startStage } from '../src/stage/localStage.js';
import type { LimitStage, SuiteTarget } from '../src/suiteTarget.js';
import { describeTarget, excludedGroups, resolveTarget } from '../src/target.js';

declare module 'vitest' {
  export interface ProvidedContext {
    target: SuiteTarget;
  }
}

const REPORTS = join(import.meta.dirname, '..', 'reports');

function deployedLimitStage(url: string, envName: 'THROTTLE_API_KEY' | 'QUOTA_API_KEY', plan: string): LimitStage {
  const key = process.env[envName];
  if (key) return { available: true, url, apiKey: key };
  return {
    available: false,
    reason:
      `this case needs ${envName}: an API key of the same stage on a usage plan with ${plan}. ` +
      'Create one (aws apigateway create-usage-plan / create-api-key / create-usage-plan-key), ' +
      `export ${envName}=<value>, or exclude these cases with E2E_EXCLUDE=gateway-limits`,
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const spec = resolveTarget();
  const excluded = excludedGroups();
  const stages: StartedStage[] = [];
  let target: SuiteTarget;

  if (spec.kind === 'deployed') {
    target = {
      kind: 'deployed',
      url: spec.url,
      apiKey: spec.apiKey,
      excluded,
      throttle: deployedLimitStage(spec.url, 'THROTTLE_API_KEY', 'a low rate and burst (at most 2 req/s, burst 2)'),
      quota: deployedLimitStage(spec.url, 'QUOTA_API_KEY', 'a small quota (at most 20 requests left in its period)'),
    };
  } else {
    // The main stage keeps the stack's own usage plan (10 req/s, burst 10, 100 a day), as on AWS.
    // The gateway-limit cases get their own stages of the same stack with small usage plans, so
    // exhausting them costs seconds and leaves the main key alone.
    const wantLimits = !excluded.includes('gateway-limits');
    const [main, throttle, quota] = await Promise.all([
      startStage(),
      wantLimits ? startStage({ usagePlan: { ...LIMIT_PLANS.throttle } }) : undefined,
      wantLimits ? startStage({ usagePlan: { ...LIMIT_PLANS.quota } }) : undefined,
    ]);
    stages.push(main, ...[throttle, quota].filter((s): s is StartedStage => s !== undefined));
    const asLimit = (s: StartedStage | undefined): LimitStage =>
      s ? { available: true, url: s.url, apiKey: s.apiKey } : { available: false, reason: 'excluded by E2E_EXCLUDE=gateway-limits' };
    target = {
      kind: 'local',
      url: main.url,
      apiKey: main.apiKey,
      excluded,
      throttle: asLimit(throttle),
      quota: asLimit(quota),
      limitPlans: { burstLimit: LIMIT_PLANS.throttle.burstLimit, quotaLimit: LIMIT_PLANS.quota.quotaLimit },
    };
  }

  // Printed once so a run says what it tested; never a key.
  console.log(`e2e target: ${describeTarget(target.kind, target.url)}`);
  // The local stages share one stack, so one stage's warnings (e.g. another Node.js major) speak for all.
  for (const warning of stages[0]?.warnings ?? []) console.warn(`e2e: local stage ${warning}`);
  if (excluded.length > 0) console.log(`e2e: excluded by E2E_EXCLUDE: ${excluded.join(', ')}`);
  project.provide('target', target);

  return async () => {
    if (stages.length === 0) return;
    // The stages' logs (function output, REPORT lines, gateway notes; no key values) for a failed run.
    mkdirSync(REPORTS, { recursive: true });
    const names = ['main', 'throttle', 'quota'];
    writeFileSync(
      join(REPORTS, 'e2e-stage.log'),
      stages.map((s, i) => `## ${names[i]} stage ${s.url}\n${s.log.all().join('\n')}\n`).join('\n'),
    );
    await Promise.all(stages.map((s) => s.close()));
  };
}
