import { ClassifierClient, type ClassifierClientOptions } from '@org/classifier-client';
import { describe, inject } from 'vitest';
import { type ExcludableGroup, SUITE_RATE_PER_SECOND } from '../src/constants.js';
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

/** Whether a group of cases was excluded by E2E_EXCLUDE. */
export function isExcluded(group: ExcludableGroup): boolean {
  return inject('target').excluded.includes(group);
}

/**
 * The `describe` for a group of cases E2E_EXCLUDE may exclude, and the reason to append to its title.
 * An excluded group is skipped, not replaced: the reporter counts its cases as skipped, so a run that
 * left them out never reads as one that passed them.
 */
export function excludedGroup(group: ExcludableGroup): { describe: ReturnType<typeof describe.skipIf>; reason: string } {
  const excluded = isExcluded(group);
  return { describe: describe.skipIf(excluded), reason: excluded ? ` (skipped: excluded by E2E_EXCLUDE=${group})` : '' };
}
