import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelLoadError } from '../errors.js';

export type ArtifactLocation =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string; versionId?: string };

/** Parses `MODEL_URI`/`MANIFEST_URI`: a path, `file://...`, or `s3://bucket/key?versionId=V`. */
export function parseArtifactUri(uri: string): ArtifactLocation {
  if (uri.trim() === '') throw new ModelLoadError('empty artifact URI');
  if (uri.startsWith('s3://')) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch (cause) {
      throw new ModelLoadError(`invalid S3 URI ${uri}`, { cause });
    }
    const bucket = url.hostname;
    // The key is everything after the bucket, percent-decoded (keys may contain spaces etc.).
    const key = decodeURIComponent(url.pathname.replace(/^\//, ''));
    if (!bucket || !key) throw new ModelLoadError(`invalid S3 URI ${uri}: expected s3://bucket/key`);
    const versionId = url.searchParams.get('versionId') ?? undefined;
    return versionId ? { kind: 's3', bucket, key, versionId } : { kind: 's3', bucket, key };
  }
  if (uri.startsWith('file://')) return { kind: 'file', path: fileURLToPath(uri) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) throw new ModelLoadError(`unsupported artifact URI scheme: ${uri}`);
  return { kind: 'file', path: resolve(uri) };
}

/** The manifest beside the model: same scheme, `manifest.json` in the same folder or prefix. */
export function siblingManifest(model: ArtifactLocation): ArtifactLocation {
  if (model.kind === 'file') return { kind: 'file', path: join(dirname(model.path), 'manifest.json') };
  // A versionId names one object's version, never its sibling's: drop it (the infra sets MANIFEST_URI).
  const slash = model.key.lastIndexOf('/');
  return { kind: 's3', bucket: model.bucket, key: `${slash >= 0 ? model.key.slice(0, slash + 1) : ''}manifest.json` };
}

export function describeLocation(loc: ArtifactLocation): string {
  if (loc.kind === 'file') return loc.path;
  return `s3://${loc.bucket}/${loc.key}${loc.versionId ? `?versionId=${loc.versionId}` : ''}`;
}
