import { describe, expect, it } from 'vitest';
import { prodStage, type StageConfig, STAGES, testStage, validateStageConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const withFn = (fn: Partial<StageConfig['function']>): StageConfig => ({ ...testStage, function: { ...testStage.function, ...fn } });

describe('Stage config', () => {
  it('has the article defaults in test: 256 MB, 10 s, x86_64, zip, burst 10, 10/s, 100 a day', () => {
    expect(testStage.function).toMatchObject({ memoryMb: 256, timeoutSeconds: 10, architecture: 'x86_64', packageType: 'zip', provisionedConcurrency: 0 });
    expect(testStage.api.usagePlan).toEqual({ throttle: { burstLimit: 10, rateLimit: 10 }, quota: { limit: 100, period: 'DAY' } });
    expect(testStage.limits).toEqual({ maxTexts: 256, maxTextChars: 100_000, maxBodyBytes: 1_048_576 });
  });

  it('names one stack per stage', () => {
    expect(Object.values(STAGES).map((s) => s.stackName)).toEqual(['classifier-test', 'classifier-prod']);
    for (const s of Object.values(STAGES)) expect(validateStageConfig(s)).toBe(s);
  });

  it('keeps prod data on destroy and warms it with provisioned concurrency', () => {
    expect(prodStage.bucketForceDestroy).toBe(false);
    expect(prodStage.function.provisionedConcurrency).toBeGreaterThan(0);
  });

  it.each<[string, StageConfig, RegExp]>([
    ['memory below Lambda minimum', withFn({ memoryMb: 64 }), /memoryMb/],
    ['timeout over API Gateway integration limit', withFn({ timeoutSeconds: 30 }), /29 s/],
    ['provisioned above reserved', withFn({ reservedConcurrency: 2, provisionedConcurrency: 3 }), /cannot exceed/],
    ['image without a tag', withFn({ packageType: 'image' }), /imageTag/],
    ['zero reserved concurrency', withFn({ reservedConcurrency: 0 }), /reservedConcurrency/],
    ['retention CloudWatch does not offer', { ...testStage, logRetentionDays: 10 }, /logRetentionDays 10/],
    ['bad stage name', { ...testStage, api: { ...testStage.api, stageName: 'te st' } }, /stageName/],
    ['body limit over the Lambda payload', { ...testStage, limits: { ...testStage.limits, maxBodyBytes: 7_000_000 } }, /6 MB/],
    ['upper-case name prefix', { ...testStage, namePrefix: 'Classifier' }, /namePrefix/],
  ])('rejects %s', (_name, config, message) => {
    expect(() => validateStageConfig(config)).toThrow(ConfigError);
    expect(() => validateStageConfig(config)).toThrow(message);
  });
});
