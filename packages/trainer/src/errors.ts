/** Base of every error the trainer reports to its user; the CLI prints `message` alone, no stack. */
export class TrainerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrainerError';
  }
}

/** The dataset archive is missing, truncated, of the wrong shape or of an unknown digest. */
export class DatasetError extends TrainerError {
  override name = 'DatasetError';
}

/** The exported graph disagrees with the in-memory model. */
export class ParityError extends TrainerError {
  override name = 'ParityError';
}

/** A configuration file or value is invalid. */
export class ConfigError extends TrainerError {
  override name = 'ConfigError';
}
