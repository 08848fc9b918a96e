/**
 * The overloads of `classify` as a consumer sees them. `tsc -p .` (the package's typecheck) checks
 * these assertions and the `@ts-expect-error` lines; the runtime part checks that what the types
 * promise is what comes back.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  ClassifierClient,
  ClassifierError,
  type ModelInfo,
  type PartialResults,
  type Prediction,
  type RequestOptions,
} from '../src/index.js';
import { sendJson, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let client: ClassifierClient;
beforeAll(async () => {
  server = await startServer((seen, res) => {
    const body = JSON.parse(seen.body) as string[] | { texts: string[] };
    if (Array.isArray(body)) return sendJson(res, 200, body.map(() => 'label'));
    return sendJson(res, 200, {
      model: { name: 'm', version: 'v', sha256: 'a'.repeat(64) },
      predictions: body.texts.map(() => ({ label: 'label', probability: 1, top: [{ label: 'label', probability: 1 }] })),
    });
  });
  client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: 'k' });
});
afterAll(() => server.close());

describe('Types: classify overloads', () => {
  it('returns a label for a text and labels for a list without topK/explain', async () => {
    const requestOptions: RequestOptions = { timeoutMs: 1000 };
    const one = client.classify('x');
    const many = client.classify(['x', 'y'] as const);
    const withOptions = client.classify('x', requestOptions);

    expectTypeOf(one).toEqualTypeOf<Promise<string>>();
    expectTypeOf(many).toEqualTypeOf<Promise<string[]>>();
    expectTypeOf(withOptions).toEqualTypeOf<Promise<string>>();
    expect(await one).toBe('label');
    expect(await many).toEqual(['label', 'label']);
    expect(await withOptions).toBe('label');
  });

  it('returns Predictions when topK or explain is given', async () => {
    const one = client.classify('x', { topK: 1 });
    const many = client.classify(['x'], { explain: 0, signal: new AbortController().signal });
    const options = { topK: 2, timeoutMs: 500 };
    const fromVariable = client.classify('x', options);

    expectTypeOf(one).toEqualTypeOf<Promise<Prediction>>();
    expectTypeOf(many).toEqualTypeOf<Promise<Prediction[]>>();
    expectTypeOf(fromVariable).toEqualTypeOf<Promise<Prediction>>();
    expect((await one).top).toHaveLength(1);
    expect((await many)[0]?.label).toBe('label');
    expect(typeof (await fromVariable).probability).toBe('number');
  });

  it('types model()', () => {
    expectTypeOf(client.model).returns.toEqualTypeOf<Promise<ModelInfo>>();
  });

  it('types ClassifierError.partial by form, so a caller narrows without a cast', () => {
    const error = new ClassifierError('x', { partial: { form: 'labels', results: ['a', undefined], missing: [1] } });

    expectTypeOf(error.partial).toEqualTypeOf<PartialResults | undefined>();
    if (error.partial?.form === 'labels') {
      expectTypeOf(error.partial.results).toEqualTypeOf<ReadonlyArray<string | undefined>>();
    }
    if (error.partial?.form === 'predictions') {
      expectTypeOf(error.partial.results).toEqualTypeOf<ReadonlyArray<Prediction | undefined>>();
    }
    expectTypeOf<PartialResults['missing']>().toEqualTypeOf<readonly number[]>();
    expect(error.partial).toEqual({ form: 'labels', results: ['a', undefined], missing: [1] });
  });

  it('rejects wrong calls at compile time', () => {
    // These only need to fail to compile; they are never called.
    const wrongCalls = () => {
      // @ts-expect-error a number is not a text
      void client.classify(42);
      // @ts-expect-error topK is a number
      void client.classify('x', { topK: '3' });
      // @ts-expect-error an unknown option is a typo, not silently ignored
      void client.classify('x', { topk: 3 });
      // @ts-expect-error a partial's results match its form
      void new ClassifierError('x', { partial: { form: 'labels', results: [{ label: 'a', probability: 1, top: [] }], missing: [] } });
    };
    expect(typeof wrongCalls).toBe('function');
  });
});
