/** Base class of every error this package raises on purpose. */
export class InfraError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InfraError';
  }
}

/**
 * A synth input (the model artifact or the Lambda bundle) is missing or invalid. The message names the
 * path and the command that produces it, so `npm run synth` on a fresh clone says what to run first.
 */
export class MissingInputError extends InfraError {
  readonly path: string;
  readonly command: string;
  constructor(what: string, path: string, command: string, envVar: string, options?: { cause?: unknown }) {
    super(`${what} not found at ${path}: run \`${command}\` first (or set ${envVar})`, options);
    this.name = 'MissingInputError';
    this.path = path;
    this.command = command;
  }
}

/** A stage config value that AWS would reject at apply time, caught at synth time instead. */
export class ConfigError extends InfraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}
