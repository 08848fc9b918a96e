import { ENV } from '../constants.js';
import type { FetchArtifactOptions } from '../model/fetchArtifact.js';

/** The function's environment variables (process.env, or a test's). */
export type Env = Record<string, string | undefined>;

/** Where the artifact is and how to read it, from the function's environment; undefined without MODEL_URI. */
export function artifactOptions(env: Env): FetchArtifactOptions | undefined {
  const modelUri = env[ENV.modelUri];
  if (!modelUri) return undefined;
  const s3Attempts = env[ENV.s3MaxAttempts] ? Number(env[ENV.s3MaxAttempts]) : undefined;
  return {
    modelUri,
    ...(env[ENV.manifestUri] ? { manifestUri: env[ENV.manifestUri] } : {}),
    s3: {
      ...(s3Attempts && Number.isInteger(s3Attempts) && s3Attempts > 0 ? { maxAttempts: s3Attempts } : {}),
      forcePathStyle: env[ENV.s3ForcePathStyle] === 'true',
    },
  };
}
