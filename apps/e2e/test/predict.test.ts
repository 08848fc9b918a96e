import type { ModelInfo } from '@org/classifier-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { ARTICLE } from '../src/constants.js';
import { suite } from './support.js';

const { raw, client } = suite();
let model: ModelInfo;

beforeAll(async () => {
  model = await client.model();
});

const OTHER_POSTS = [
  'My graphics card renders OpenGL scenes slowly since I upgraded the driver; any tips on the VGA mode?',
  'The goalie made forty saves and the team won the playoff game in overtime.',
];

describe('GET /model', () => {
  it('returns the public manifest through the client', () => {
    // Prepare / Act: beforeAll. Assess:
    expect(model.name).toEqual(expect.any(String));
    expect(model.version).toEqual(expect.any(String));
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.labels).toHaveLength(20);
    expect(model.labels).toContain(ARTICLE.label);
    expect(typeof model.explain).toBe('boolean');
  });

  it('returns the same manifest over raw HTTP, as JSON with a request id header', async () => {
    const res = await raw.get('/model');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-amzn-requestid')).toEqual(expect.any(String));
    expect(res.json).toMatchObject({ name: model.name, version: model.version, sha256: model.sha256, labels: model.labels });
  });
});

describe('POST /predict, the article forms', () => {
  it('classifies the article example as alt.atheism through the client', async () => {
    await expect(client.classify(ARTICLE.text)).resolves.toBe(ARTICLE.label);
  });

  it('answers the article request (a JSON array of one string) with ["alt.atheism"]', async () => {
    const res = await raw.post('/predict', [ARTICLE.text]);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json).toEqual([ARTICLE.label]);
  });

  it("answers the article's trailing-slash URL (.../predict/) the same way", async () => {
    const res = await raw.post('/predict/', [ARTICLE.text]);
    expect(res.status).toBe(200);
    expect(res.json).toEqual([ARTICLE.label]);
  });

  it('answers a single JSON string with an array of one label', async () => {
    const res = await raw.post('/predict', JSON.stringify(ARTICLE.text));
    expect(res.status).toBe(200);
    expect(res.json).toEqual([ARTICLE.label]);
  });

  it('answers an array with one label per text, in order, and the client agrees', async () => {
    const texts = [ARTICLE.text, ...OTHER_POSTS];
    const res = await raw.post('/predict', texts);
    expect(res.status).toBe(200);
    const labels = res.json as string[];
    expect(labels).toHaveLength(3);
    expect(labels[0]).toBe(ARTICLE.label);
    for (const l of labels) expect(model.labels).toContain(l);
    await expect(client.classify(texts)).resolves.toEqual(labels);
  });

  it('answers an empty array with an empty array, and accepts empty strings', async () => {
    const empty = await raw.post('/predict', []);
    expect(empty.status).toBe(200);
    expect(empty.json).toEqual([]);
    const blank = await raw.post('/predict', ['']);
    expect(blank.status).toBe(200);
    expect(blank.json).toEqual([expect.any(String)]);
    expect(model.labels).toContain((blank.json as string[])[0]);
  });

  it('classifies non-ASCII UTF-8 text', async () => {
    const res = await raw.post('/predict', ['Gödel, Escher, Bach: ∀x ∃y – “quotes” and emoji 🙂']);
    expect(res.status).toBe(200);
    expect(model.labels).toContain((res.json as string[])[0]);
  });
});

describe('POST /predict, the rich form', () => {
  it('gives topK labels, most probable first, with the model reference', async () => {
    const res = await raw.post('/predict', { texts: [ARTICLE.text, OTHER_POSTS[0]], topK: 3 });
    expect(res.status).toBe(200);
    const body = res.json as { model: unknown; predictions: Array<{ label: string; probability: number; top: Array<{ label: string; probability: number }> }> };
    expect(body.model).toEqual({ name: model.name, version: model.version, sha256: model.sha256 });
    expect(body.predictions).toHaveLength(2);
    const [first] = body.predictions;
    expect(first?.label).toBe(ARTICLE.label);
    for (const p of body.predictions) {
      expect(p.top).toHaveLength(3);
      expect(p.top[0]).toEqual({ label: p.label, probability: p.probability });
      expect(p.probability).toBeGreaterThan(0);
      expect(p.probability).toBeLessThanOrEqual(1);
      for (let i = 1; i < p.top.length; i++) expect(p.top[i - 1]!.probability).toBeGreaterThanOrEqual(p.top[i]!.probability);
      expect(p.top.reduce((s, t) => s + t.probability, 0)).toBeLessThanOrEqual(1 + 1e-5);
    }
  });

  it('accepts {"text": ...} and gives one prediction through the client', async () => {
    const p = await client.classify(ARTICLE.text, { topK: 2 });
    expect(p.label).toBe(ARTICLE.label);
    expect(p.top.map((t) => t.label)[0]).toBe(ARTICLE.label);
    expect(p.top).toHaveLength(2);
  });

  it('explains with the largest contributions first, or refuses with explain_unsupported, as GET /model says', async () => {
    const res = await raw.post('/predict', { text: ARTICLE.text, explain: 5 });
    if (model.explain) {
      expect(res.status).toBe(200);
      const [p] = (res.json as { predictions: Array<{ label: string; explanation: Array<{ token: string; weight: number }> }> }).predictions;
      expect(p?.label).toBe(ARTICLE.label);
      expect(p?.explanation.length).toBeGreaterThan(0);
      expect(p?.explanation.length).toBeLessThanOrEqual(5);
      const w = p!.explanation.map((e) => Math.abs(e.weight));
      for (let i = 1; i < w.length; i++) expect(w[i - 1]).toBeGreaterThanOrEqual(w[i]!);
      for (const e of p!.explanation) expect(ARTICLE.text.toLowerCase()).toContain(e.token.split(' ')[0]);
    } else {
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ code: 'explain_unsupported', field: 'explain', requestId: expect.any(String) });
    }
  });
});
