import { request as httpRequest, createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer } from 'node:net';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ModelLoadError } from '../src/errors.js';
import { loadModel } from '../src/model/loadModel.js';
import { createS3Client } from '../src/model/sources/s3Source.js';
import { Predictor } from '../src/predictor/Predictor.js';
import { tempDir, tinyArtifact } from './helpers/artifacts.js';

const BUCKET = 'classifier-models';

/**
 * An HTTP proxy in front of the S3 server that breaks the body of GETs whose path ends with
 * `brokenPath`, the first `breaks` times: headers (with the full Content-Length) and half the bytes
 * arrive, then the socket closes ('cut', a connection dropped mid-download) or nothing more comes
 * ('stall').
 */
async function breakingProxy(
  upstream: string,
  brokenPath: string,
  breaks: number,
  how: 'cut' | 'stall' = 'cut',
): Promise<{ url: string; gets: () => number; close: () => Promise<void> }> {
  let gets = 0;
  const server: HttpServer = createHttpServer((req, res) => {
    const broken = req.method === 'GET' && (req.url ?? '').split('?')[0]?.endsWith(brokenPath) === true && gets++ < breaks;
    const up = httpRequest(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (upRes) => {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        const body = Buffer.concat(chunks);
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        if (!broken) return res.end(body);
        // 'stall': half the body, then silence on an open connection.
        res.write(body.subarray(0, body.length >> 1), () => (how === 'cut' ? res.socket?.destroy() : undefined));
      });
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    gets: () => gets,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on: connections are refused at once (an unreachable S3 endpoint). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Function: loadModel from S3 (a real S3-compatible server: s3rver)', () => {
  let server: S3rver;
  let endpoint: string;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let tiny: Awaited<ReturnType<typeof tinyArtifact>>;

  beforeAll(async () => {
    dir = await tempDir('s3rver-');
    tiny = await tinyArtifact('explain');
    server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: dir.path, configureBuckets: [{ name: BUCKET, configs: [] }] });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    // s3rver checks request signatures against its fixed default credentials.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    vi.stubEnv('AWS_REGION', 'us-east-1');
    const client = createS3Client({ endpoint, forcePathStyle: true });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'models/v1/model.onnx', Body: tiny.model }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'models/v1/manifest.json', Body: JSON.stringify(tiny.manifest) }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'models/bad/model.onnx', Body: Buffer.concat([Buffer.from(tiny.model), Buffer.from('!')]) }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'models/bad/manifest.json', Body: JSON.stringify(tiny.manifest) }));
    client.destroy();
  });

  afterAll(async () => {
    await server.close();
    await tiny.remove();
    await dir.remove();
    vi.unstubAllEnvs();
  });

  it('loads model + sibling manifest from s3:// and predicts', async () => {
    const model = await loadModel({ modelUri: `s3://${BUCKET}/models/v1/model.onnx`, s3: { endpoint, forcePathStyle: true } });
    expect(model.source).toEqual({ model: `s3://${BUCKET}/models/v1/model.onnx`, manifest: `s3://${BUCKET}/models/v1/manifest.json` });
    const { predictions } = await new Predictor(model).predict(['nasa rocket']);
    expect(predictions[0]?.label).toBe('space');
    await model.release();
  });

  it('honours AWS_ENDPOINT_URL_S3 and an explicit MANIFEST_URI', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL_S3', endpoint);
    try {
      const model = await loadModel({
        modelUri: `s3://${BUCKET}/models/v1/model.onnx`,
        manifestUri: `s3://${BUCKET}/models/v1/manifest.json`,
        s3: { forcePathStyle: true },
      });
      expect(model.manifest.sha256).toBe(tiny.manifest.sha256);
      await model.release();
    } finally {
      vi.stubEnv('AWS_ENDPOINT_URL_S3', '');
    }
  });

  it('fails clearly, without retrying, when the object is missing', async () => {
    const started = Date.now();
    const error = await loadModel({ modelUri: `s3://${BUCKET}/models/v2/model.onnx`, s3: { endpoint, forcePathStyle: true } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/s3:\/\/classifier-models\/models\/v2\/(model\.onnx|manifest\.json): object not found \(NoSuchKey\)/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses an S3 model whose sha256 differs from its manifest', async () => {
    await expect(loadModel({ modelUri: `s3://${BUCKET}/models/bad/model.onnx`, s3: { endpoint, forcePathStyle: true } })).rejects.toThrow(
      /does not match its manifest/,
    );
  });

  it('fails after a bounded number of attempts with backoff when S3 is unreachable', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await loadModel({
      modelUri: `s3://${BUCKET}/models/v1/model.onnx`,
      s3: { endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, maxAttempts: 3, connectionTimeoutMs: 500 },
    }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/S3 read failed after 3 attempt\(s\): .*ECONNREFUSED/);
    // Two backoff delays happened (the SDK's standard strategy), yet the whole failure stays bounded.
    expect(elapsed).toBeLessThan(10_000);
  });

  it('reads a model again when its body breaks off mid-download (the SDK does not retry a body)', async () => {
    const proxy = await breakingProxy(endpoint, '/models/v1/model.onnx', 2);
    try {
      const model = await loadModel({ modelUri: `s3://${BUCKET}/models/v1/model.onnx`, s3: { endpoint: proxy.url, forcePathStyle: true } });
      expect(model.manifest.sha256).toBe(tiny.manifest.sha256);
      // Two broken reads, then a whole one.
      expect(proxy.gets()).toBe(3);
      await model.release();
    } finally {
      await proxy.close();
    }
  });

  it('reads a model again when its body stalls mid-download, after socketTimeoutMs of silence', async () => {
    const proxy = await breakingProxy(endpoint, '/models/v1/model.onnx', 1, 'stall');
    try {
      const started = Date.now();
      const model = await loadModel({ modelUri: `s3://${BUCKET}/models/v1/model.onnx`, s3: { endpoint: proxy.url, forcePathStyle: true, socketTimeoutMs: 300 } });
      expect(model.manifest.sha256).toBe(tiny.manifest.sha256);
      expect(proxy.gets()).toBe(2);
      // Well before the 8 s deadline: the stalled read ended after its 300 ms of silence.
      expect(Date.now() - started).toBeLessThan(5_000);
      await model.release();
    } finally {
      await proxy.close();
    }
  });

  it('fails clearly after maxAttempts reads when every body breaks off', async () => {
    const proxy = await breakingProxy(endpoint, '/models/v1/model.onnx', Number.POSITIVE_INFINITY);
    try {
      const error = await loadModel({
        modelUri: `s3://${BUCKET}/models/v1/model.onnx`,
        s3: { endpoint: proxy.url, forcePathStyle: true, maxAttempts: 3 },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toMatch(/^s3:\/\/classifier-models\/models\/v1\/model\.onnx: S3 read failed while reading the body, 3 time\(s\): /);
      expect(proxy.gets()).toBe(3);
    } finally {
      await proxy.close();
    }
  });

  it('gives up on an S3 endpoint that accepts the connection and never answers, at the deadline, with a clear error', async () => {
    // Accepts and stays silent: the SDK's per-attempt timeout alone would wait, then retry.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const started = Date.now();
      const error = await loadModel({
        modelUri: `s3://${BUCKET}/models/v1/model.onnx`,
        s3: { endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, requestTimeoutMs: 60_000, deadlineMs: 400 },
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelLoadError);
      expect((error as Error).message).toMatch(/did not finish within 400 ms/);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });
});
