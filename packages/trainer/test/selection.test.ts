import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readArtifact } from '@org/classifier-artifact';
import { loadNewsgroups, train, trainConfigSchema } from '../src/index.js';
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
    expect((await readArtifact(out)).manifest.version).toBe(result.manifest.version);
  });
});
