import { createHash } from 'node:crypto';

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A model's version is its content: the first 12 hex digits of the model file's sha256. */
export function versionFromDigest(sha256: string): string {
  return sha256.slice(0, 12);
}
