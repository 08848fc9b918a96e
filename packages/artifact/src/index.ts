export {
  DEFAULT_ARTIFACT_DIR,
  MANIFEST_FILE,
  MODEL_FILE,
  parseManifest,
  readArtifact,
  verifyModelBytes,
  type Artifact,
} from './artifactDir.js';
export { sha256Hex, versionFromDigest } from './digest.js';
export { ArtifactError } from './errors.js';
export {
  featurizerSchema,
  manifestSchema,
  metricsSchema,
  publicManifest,
  trainingSchema,
  type FeaturizerParams,
  type Manifest,
  type Metrics,
  type PublicManifest,
  type TrainingInfo,
} from './manifestSchema.js';
