/**
 * The term-count session on onnxruntime-node's native binding (model/graphSession.ts): it must answer
 * exactly as the public InferenceSession on the same graph, synchronously, and fail as clearly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadNewsgroups } from '@org/classifier-trainer';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { planFrontEnd } from '../src/featurize/frontEndPlan.js';
import { pathFeeds, pathFetches, pathLabels, termCountFeeds } from '../src/featurize/termCountPath.js';
import { createGraphSession, type GraphSession, NativeSession } from '../src/model/graphSession.js';
import { loadModel } from '../src/model/loadModel.js';
import { readGraph } from '../src/model/onnxWire.js';
import { lambdaSessionOptions, termCountSessionOptions } from '../src/model/sessionOptions.js';
import { trainedArtifactDir } from './helpers/artifacts.js';

const dir = trainedArtifactDir();
const loaded = loadModel({ modelUri: join(dir, 'model.onnx') });
const opened: GraphSession[] = [];

async function termCountGraph(): Promise<Uint8Array> {
  const m = await loaded;
  const graph = readGraph(readFileSync(join(dir, 'model.onnx')));
  if (!graph) throw new Error('the trained model has no graph');
  const plan = planFrontEnd(graph, m.manifest);
  if ('unsupported' in plan) throw new Error(plan.unsupported);
  return plan.termCountModel;
}

afterAll(async () => {
  await Promise.all(opened.map((s) => s.release()));
  await (await loaded).release();
});

describe('NativeSession', () => {
  it('serves the loaded model\'s plain requests, and runs without a promise', async () => {
    const m = await loaded;
    expect(m.termCounts).toBeDefined();
    expect(m.session).toBeInstanceOf(NativeSession);
    const path = m.termCounts;
    const fed = path && (await pathFeeds(path, ['the space shuttle launch was delayed']));
    if (!path || !fed) throw new Error('not counted');
    const out = m.session.run(fed.feeds, pathFetches(path, m.manifest.io));
    expect(out).not.toBeInstanceOf(Promise);
    expect(pathLabels(path, out as ort.InferenceSession.ReturnType, m.manifest.io)).toEqual(['sci.space']);
  });

  it('answers exactly as the public InferenceSession on the same graph, batch by batch', async () => {
    const m = await loaded;
    const bytes = await termCountGraph();
    const options = termCountSessionOptions(lambdaSessionOptions());
    const [native, publicSession] = await Promise.all([createGraphSession(bytes, options), ort.InferenceSession.create(bytes, options)]);
    opened.push(native, publicSession);
    expect(native).toBeInstanceOf(NativeSession);
    expect(native.inputNames).toEqual(publicSession.inputNames);
    expect(native.outputNames).toEqual(publicSession.outputNames);

    const { test } = await loadNewsgroups();
    const fetches = [m.manifest.io.label, m.manifest.io.probabilities];
    const sizes = [1, 1, 7, 64, 1, 33];
    let at = 0;
    for (const size of sizes) {
      const batch = test.texts.slice(at, at + size);
      at += size;
      const counts = await m.termCounts?.featurizer.featurize(batch);
      if (!counts || !m.termCounts) throw new Error('not counted');
      const feeds = termCountFeeds(counts, batch.length, m.termCounts.tensors);
      const a = await native.run(feeds, fetches);
      const b = await publicSession.run(feeds, fetches);
      for (const name of fetches) {
        expect(a[name]?.dims).toEqual(b[name]?.dims);
        expect(a[name]?.type).toBe(b[name]?.type);
        // Bit for bit: the same kernels on the same inputs.
        expect(a[name]?.data).toEqual(b[name]?.data);
      }
    }
  });

  it('refuses an unknown output, a missing input and a released session with an error, not a crash', async () => {
    const m = await loaded;
    const native = await createGraphSession(await termCountGraph(), termCountSessionOptions(lambdaSessionOptions()));
    const counts = await m.termCounts?.featurizer.featurize(['a short text about hockey']);
    if (!counts || !m.termCounts) throw new Error('not counted');
    const feeds = termCountFeeds(counts, 1, m.termCounts.tensors);
    expect(() => native.run(feeds, ['no_such_output'])).toThrow(/invalid output name: no_such_output/);
    const { [m.termCounts.tensors.termCounts]: _dropped, ...partial } = feeds;
    expect(() => native.run(partial, [m.manifest.io.label])).toThrow(new RegExp(`input '${m.termCounts.tensors.termCounts}' is missing`));
    await native.release();
    await native.release();
    expect(() => native.run(feeds, [m.manifest.io.label])).toThrow(/disposed/);
  });
});

describe('createGraphSession with other execution providers', () => {
  it('leaves them to the public session, which drops those not available', async () => {
    const options = { ...termCountSessionOptions(lambdaSessionOptions()), executionProviders: ['dml', 'cpu'] };
    const session = await createGraphSession(await termCountGraph(), options);
    opened.push(session);
    expect(session).not.toBeInstanceOf(NativeSession);
    const m = await loaded;
    const counts = await m.termCounts?.featurizer.featurize(['the goalie stopped every shot']);
    if (!counts || !m.termCounts) throw new Error('not counted');
    const feeds = termCountFeeds(counts, 1, m.termCounts.tensors);
    const fetches = [m.manifest.io.label, m.manifest.io.probabilities];
    const native = await createGraphSession(await termCountGraph(), termCountSessionOptions(lambdaSessionOptions()));
    opened.push(native);
    expect(native).toBeInstanceOf(NativeSession);
    expect((await session.run(feeds, fetches))[m.manifest.io.probabilities]?.data).toEqual((await native.run(feeds, fetches))[m.manifest.io.probabilities]?.data);
  });
});

describe('createGraphSession without the binding it expects', () => {
  it('falls back to the public InferenceSession', async () => {
    vi.resetModules();
    vi.doMock('onnxruntime-node/dist/binding.js', () => ({ binding: {}, initOrt: () => undefined }));
    try {
      const { createGraphSession: create, NativeSession: Native } = await import('../src/model/graphSession.js');
      const session = await create(await termCountGraph(), termCountSessionOptions(lambdaSessionOptions()));
      opened.push(session);
      expect(session).not.toBeInstanceOf(Native);
      expect(session).toBeInstanceOf(ort.InferenceSession);
      const m = await loaded;
      const counts = await m.termCounts?.featurizer.featurize(['windows crashed again after the driver update']);
      if (!counts || !m.termCounts) throw new Error('not counted');
      const feeds = termCountFeeds(counts, 1, m.termCounts.tensors);
      const fetches = [m.manifest.io.label, m.manifest.io.probabilities];
      const out = await session.run(feeds, fetches);
      // The loaded model's own session takes per-post sums: the same answer, bit for bit.
      const fed = await pathFeeds(m.termCounts, ['windows crashed again after the driver update']);
      if (!fed) throw new Error('not counted');
      const native = await m.session.run(fed.feeds, pathFetches(m.termCounts, m.manifest.io));
      expect(out[m.manifest.io.label]?.data).toEqual(['comp.os.ms-windows.misc']);
      expect(pathLabels(m.termCounts, native, m.manifest.io)).toEqual(['comp.os.ms-windows.misc']);
      expect(out[m.manifest.io.probabilities]?.data).toEqual(native[m.manifest.io.probabilities]?.data);
    } finally {
      vi.doUnmock('onnxruntime-node/dist/binding.js');
      vi.resetModules();
    }
  });
});
