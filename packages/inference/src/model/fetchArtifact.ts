import { readFileSource } from './sources/fileSource.js';
import type { S3SourceOptions } from './sources/s3Source.js';
import { type ArtifactLocation, describeLocation, parseArtifactUri, siblingManifest } from './uri.js';

export interface FetchArtifactOptions {
  /** Where model.onnx is: a path, `file://...`, or `s3://bucket/key?versionId=V`. */
  modelUri: string;
  /** Where manifest.json is. @default manifest.json beside the model */
  manifestUri?: string;
  s3?: S3SourceOptions;
}

/** An artifact's bytes as read, not yet checked (loadModel validates the manifest and the sha256). */
export interface FetchedArtifact {
  modelBytes: Uint8Array;
  manifestBytes: Uint8Array;
  /** Where the bytes came from (for logs and messages). */
  source: { model: string; manifest: string };
}

type S3Reader = (ref: ArtifactLocation & { kind: 's3' }) => Promise<Uint8Array>;

/**
 * Reads model.onnx and manifest.json, in parallel. Nothing here loads onnxruntime, so the Lambda entry
 * can start this before it loads the rest of the handler (handler.ts says why).
 */
export async function fetchArtifact(options: FetchArtifactOptions): Promise<FetchedArtifact> {
  const modelLoc = parseArtifactUri(options.modelUri);
  const manifestLoc = options.manifestUri ? parseArtifactUri(options.manifestUri) : siblingManifest(modelLoc);
  const source = { model: describeLocation(modelLoc), manifest: describeLocation(manifestLoc) };

  // The AWS SDK is imported only when an S3 URI is used: file-based environments (local stage,
  // batch CLI, tests) never pay for loading it.
  let s3Reader: Promise<S3Reader> | undefined;
  const s3 = () =>
    (s3Reader ??= import('./sources/s3Source.js').then(({ createS3Client, readS3Object }) => {
      const client = createS3Client(options.s3);
      return (ref: ArtifactLocation & { kind: 's3' }) => readS3Object(client, ref, { deadlineMs: options.s3?.deadlineMs, attempts: options.s3?.maxAttempts });
    }));
  const read = async (loc: ArtifactLocation) => (loc.kind === 'file' ? readFileSource(loc.path) : (await s3())(loc));

  const [modelBytes, manifestBytes] = await Promise.all([read(modelLoc), read(manifestLoc)]);
  return { modelBytes, manifestBytes, source };
}
