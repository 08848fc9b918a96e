import { ClassifierClient, type ClassifierClientOptions } from '@org/classifier-client';
import { inject } from 'vitest';
import { SUITE_RATE_PER_SECOND } from '../src/constants.js';
import { Pacer } from '../src/pacer.js';
import { RawHttp } from '../src/rawHttp.js';
import type { LimitStage, StageRef, SuiteTarget } from '../src/suiteTarget.js';

/** The target of this run and paced raw/client access to its main key. */
export function suite(): { target: SuiteTarget; raw: RawHttp; client: ClassifierClient; clientFor(opts?: Partial<ClassifierClientOptions>): ClassifierClient } {
  const target = inject('target');
  const pacer = new Pacer(SUITE_RATE_PER_SECOND);
  const clientFor = (opts: Partial<ClassifierClientOptions> = {}) =>
    new ClassifierClient({ baseUrl: target.url, apiKey: target.apiKey, fetch: pacer.fetch(), ...opts });
  return { target, raw: new RawHttp(target.url, target.apiKey, pacer), client: clientFor(), clientFor };
}

/** The stage of a gateway-limit case, or a failure that says how to provide one. */
export function limitStage(stage: LimitStage): StageRef {
  if (!stage.available) throw new Error(stage.reason);
  return stage;
}

/** Whether a group of cases was excluded by E2E_EXCLUDE (then its file registers a single note case). */
export function isExcluded(group: string): boolean {
  return inject('target').excluded.includes(group);
}
