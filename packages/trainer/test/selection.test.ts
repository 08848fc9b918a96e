import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArtifact } from '@org/classifier-artifact';
import { carveValidation, loadNewsgroups, train, trainConfigSchema } from '../src/index.js';
import { makeArchive, tinyCorpus } from './helpers/fixtures.js';

describe('train with several idf powers and C values', () => {
  it('compares every (idf power, C) pair on the validation split and records the choice', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const config = trainConfigSchema.parse({
      name: 'grid',
      featurizer: { idfPower: [1, 2] },
      model: { C: [1, 10], maxIter: 50, validationFraction: 0.5 },
    });
    const out = await mkdtemp(join(tmpdir(), 'grid-'));
    const result = await train({ config, outDir: out, data });
    const candidates = result.manifest.training?.selection?.candidates ?? [];
    expect(candidates.map((c) => [c.idfPower, c.C])).toEqual([
      [1, 1],
      [1, 10],
      [2, 1],
      [2, 10],
    ]);
    const best = candidates.reduce((b, c) => (c.accuracy > b.accuracy ? c : b));
    expect(result.manifest.training?.C).toBe(best.C);
    expect(result.manifest.featurizer?.idfPower ?? 1).toBe(best.idfPower);
    // The tiny corpus separates perfectly: every candidate ties, and ties go to the first one listed.
    expect(candidates.every((c) => c.accuracy === 1)).toBe(true);
    expect([result.manifest.featurizer?.idfPower ?? 1, result.manifest.training?.C]).toEqual([1, 1]);
    // The share actually held out: 1 of each group's 3 train posts (0.5 of 3, rounded down), not 0.5.
    expect(result.manifest.training?.selection?.validationFraction).toBeCloseTo(2 / 6, 12);
    expect((await readArtifact(out)).manifest.version).toBe(result.manifest.version);
  });
});

describe('carveValidation', () => {
  const oneClass = (n: number) => new Int32Array(n);

  it('holds out the requested fraction of each class, not 1 / round(1 / fraction)', () => {
    expect(carveValidation(oneClass(100), 0.3).validation).toHaveLength(30);
    expect(carveValidation(oneClass(100), 0.75).validation).toHaveLength(75);
    expect(carveValidation(oneClass(100), 0.6).validation).toHaveLength(60);
    expect(carveValidation(oneClass(90), 0.7).validation).toHaveLength(63);
  });

  it('is stratified, deterministic and keeps 0.2 as every 5th post of each class', () => {
    const targets = Int32Array.from({ length: 40 }, (_, i) => i % 2);
    const { fit, validation } = carveValidation(targets, 0.2);
    // Class 0 is at even positions, class 1 at odd ones; the 5th, 10th, ... of each go to validation.
    expect(Array.from(validation)).toEqual([8, 9, 18, 19, 28, 29, 38, 39]);
    expect(fit.length + validation.length).toBe(40);
    expect(carveValidation(targets, 0.2)).toEqual({ fit, validation });
  });

  it('spreads the held-out posts through each class', () => {
    expect(Array.from(carveValidation(oneClass(10), 0.3).validation)).toEqual([3, 6, 9]);
  });
});
