import { GetObjectCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { ModelLoadError } from '../../errors.js';

export interface S3SourceOptions {
  /** Attempts per object, first one included (SDK "standard" retry: exponential backoff with jitter). @default 4 */
  maxAttempts?: number;
  /** Overrides the endpoint (s3rver, MinIO); the SDK also honours `AWS_ENDPOINT_URL_S3` on its own. */
  endpoint?: string;
  /** Path-style addressing (`http://host/bucket/key`), which local S3 servers need. @default false */
  forcePathStyle?: boolean;
  /** @default `AWS_REGION`, else us-east-1 */
  region?: string;
  /** Socket connect timeout per attempt. @unit milliseconds @default 2000 */
  connectionTimeoutMs?: number;
  /** Whole-request timeout per attempt (a 50 MB zip-limit model from S3 in the region takes about a second). @unit milliseconds @default 5000 */
  requestTimeoutMs?: number;
  /**
   * All attempts of one object together, body included. Lambda gives init 10 s: a stalled read must end
   * as this clear error before that, not as an init timeout. @unit milliseconds @default 8000
   */
  deadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 8000;

export interface S3ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
}

/** One client per execution environment; its sockets are reused between model and manifest reads. */
export function createS3Client(options: S3SourceOptions = {}): S3Client {
  const config: S3ClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? 4,
    retryMode: 'standard',
    forcePathStyle: options.forcePathStyle ?? false,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 2000,
      requestTimeout: options.requestTimeoutMs ?? 5000,
    },
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  return new S3Client(config);
}

function describe(ref: S3ObjectRef): string {
  return `s3://${ref.bucket}/${ref.key}${ref.versionId ? `?versionId=${ref.versionId}` : ''}`;
}

/**
 * Reads one object (one exact version when `versionId` is given). Transient failures (network,
 * throttling, 5xx) are retried by the SDK up to `maxAttempts`; a missing object or a denied read is
 * not retried. Either way the error says what failed and after how many attempts.
 */
export async function readS3Object(client: S3Client, ref: S3ObjectRef, deadlineMs = DEFAULT_DEADLINE_MS): Promise<Uint8Array> {
  const deadline = AbortSignal.timeout(deadlineMs);
  try {
    const out = await client.send(
      new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...(ref.versionId ? { VersionId: ref.versionId } : {}) }),
      { abortSignal: deadline },
    );
    if (!out.Body) throw new ModelLoadError(`${describe(ref)}: empty response body`);
    return await out.Body.transformToByteArray();
  } catch (cause) {
    if (cause instanceof ModelLoadError) throw cause;
    if (deadline.aborted) {
      throw new ModelLoadError(`${describe(ref)}: S3 read did not finish within ${deadlineMs} ms (all attempts)`, { cause });
    }
    const err = cause as Error & { $metadata?: { attempts?: number; httpStatusCode?: number }; code?: string };
    const attempts = err.$metadata?.attempts ?? 1;
    const status = err.$metadata?.httpStatusCode;
    if (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.name === 'NoSuchVersion' || status === 404) {
      throw new ModelLoadError(`${describe(ref)}: object not found (${err.name})`, { cause });
    }
    if (err.name === 'NoSuchBucket') throw new ModelLoadError(`${describe(ref)}: bucket not found`, { cause });
    if (err.name === 'AccessDenied' || status === 403) {
      throw new ModelLoadError(`${describe(ref)}: access denied (check the function role's s3:GetObject grant)`, { cause });
    }
    const reason = err.code ?? err.name ?? 'error';
    throw new ModelLoadError(`${describe(ref)}: S3 read failed after ${attempts} attempt(s): ${reason}: ${err.message}`, { cause });
  }
}
