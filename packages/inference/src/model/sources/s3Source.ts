import { setTimeout as sleep } from 'node:timers/promises';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { ModelLoadError } from '../../errors.js';

export interface S3SourceOptions {
  /**
   * Attempts per object, first one included (SDK "standard" retry: exponential backoff with jitter);
   * also the most reads of an object whose body breaks off mid-read. @default 4
   */
  maxAttempts?: number;
  /** Overrides the endpoint (s3rver, MinIO); the SDK also honours `AWS_ENDPOINT_URL_S3` on its own. */
  endpoint?: string;
  /** Path-style addressing (`http://host/bucket/key`), which local S3 servers need. @default false */
  forcePathStyle?: boolean;
  /** @default `AWS_REGION`, else us-east-1 */
  region?: string;
  /** Socket connect timeout per attempt. @unit milliseconds @default 2000 */
  connectionTimeoutMs?: number;
  /**
   * Time to the response's headers per attempt; past it the attempt fails and the SDK retries.
   * @unit milliseconds @default 5000
   */
  requestTimeoutMs?: number;
  /**
   * Longest silence on the connection, body included: a download that stalls fails after it and is
   * read again (a 50 MB zip-limit model from S3 in the region takes about a second in all).
   * @unit milliseconds @default 2000
   */
  socketTimeoutMs?: number;
  /**
   * All attempts of one object together, body included. Lambda gives init 10 s: a stalled read must end
   * as this clear error before that, not as an init timeout. @unit milliseconds @default 8000
   */
  deadlineMs?: number;
}

const DEFAULT_DEADLINE_MS = 8000;
const DEFAULT_ATTEMPTS = 4;
/** The first re-read of a broken body waits up to this long; each further one twice as long. @unit milliseconds */
const BODY_RETRY_BASE_MS = 100;

export interface S3ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
}

/** One client per execution environment; its sockets are reused between model and manifest reads. */
export function createS3Client(options: S3SourceOptions = {}): S3Client {
  const config: S3ClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
    maxAttempts: options.maxAttempts ?? DEFAULT_ATTEMPTS,
    retryMode: 'standard',
    forcePathStyle: options.forcePathStyle ?? false,
    requestHandler: {
      connectionTimeout: options.connectionTimeoutMs ?? 2000,
      requestTimeout: options.requestTimeoutMs ?? 5000,
      // Without it the SDK only logs a warning when requestTimeout passes, and the attempt goes on.
      throwOnRequestTimeout: true,
      // requestTimeout ends at the headers; this also covers a body that stops arriving.
      socketTimeout: options.socketTimeoutMs ?? 2000,
    },
  };
  if (options.endpoint) config.endpoint = options.endpoint;
  return new S3Client(config);
}

function describe(ref: S3ObjectRef): string {
  return `s3://${ref.bucket}/${ref.key}${ref.versionId ? `?versionId=${ref.versionId}` : ''}`;
}

/**
 * Reads one object (one exact version when `versionId` is given). Transient failures of the request
 * (network, throttling, 5xx) are retried by the SDK up to `attempts`; a body that breaks off or stalls
 * mid-read, which the SDK does not retry, is read again from the start, up to `attempts` reads with
 * backoff (so at most attempts x attempts requests). A missing object or a denied read is not
 * retried. All of it stays within `deadlineMs`, and the error says what failed and after how many
 * attempts.
 */
export async function readS3Object(client: S3Client, ref: S3ObjectRef, options: { deadlineMs?: number | undefined; attempts?: number | undefined } = {}): Promise<Uint8Array> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const deadline = AbortSignal.timeout(deadlineMs);
  const timedOut = (cause: unknown) => new ModelLoadError(`${describe(ref)}: S3 read did not finish within ${deadlineMs} ms (all attempts)`, { cause });
  const command = new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key, ...(ref.versionId ? { VersionId: ref.versionId } : {}) });
  for (let read = 1; ; read++) {
    let out: GetObjectCommandOutput;
    try {
      out = await client.send(command, { abortSignal: deadline });
    } catch (cause) {
      throw deadline.aborted ? timedOut(cause) : requestFailure(ref, cause);
    }
    if (!out.Body) throw new ModelLoadError(`${describe(ref)}: empty response body`);
    try {
      const bytes = await out.Body.transformToByteArray();
      // A connection closed at a message boundary can end a body early without a stream error.
      if (out.ContentLength !== undefined && bytes.length !== out.ContentLength) {
        throw new Error(`got ${bytes.length} of ${out.ContentLength} bytes`);
      }
      return bytes;
    } catch (cause) {
      if (deadline.aborted) throw timedOut(cause);
      const err = cause as Error & { code?: string };
      if (read >= attempts) {
        throw new ModelLoadError(`${describe(ref)}: S3 read failed while reading the body, ${read} time(s): ${err.code ?? err.name}: ${err.message}`, { cause });
      }
      // Full jitter, as the SDK's standard strategy: environments cold-starting together spread out.
      try {
        await sleep(Math.random() * BODY_RETRY_BASE_MS * 2 ** (read - 1), undefined, { signal: deadline });
      } catch {
        throw timedOut(cause);
      }
    }
  }
}

/** The ModelLoadError for a request the SDK gave up on (after its own retries, where they apply). */
function requestFailure(ref: S3ObjectRef, cause: unknown): ModelLoadError {
  const err = cause as Error & { $metadata?: { attempts?: number; httpStatusCode?: number }; code?: string };
  const attempts = err.$metadata?.attempts ?? 1;
  const status = err.$metadata?.httpStatusCode;
  if (err.name === 'NoSuchKey' || err.name === 'NotFound' || err.name === 'NoSuchVersion' || status === 404) {
    return new ModelLoadError(`${describe(ref)}: object not found (${err.name})`, { cause });
  }
  if (err.name === 'NoSuchBucket') return new ModelLoadError(`${describe(ref)}: bucket not found`, { cause });
  if (err.name === 'AccessDenied' || status === 403) {
    return new ModelLoadError(`${describe(ref)}: access denied (check the function role's s3:GetObject grant)`, { cause });
  }
  const reason = err.code ?? err.name ?? 'error';
  return new ModelLoadError(`${describe(ref)}: S3 read failed after ${attempts} attempt(s): ${reason}: ${err.message}`, { cause });
}
