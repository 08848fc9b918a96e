/** Raised when an artifact is missing, malformed or does not match its manifest. */
export class ArtifactError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArtifactError';
  }
}
