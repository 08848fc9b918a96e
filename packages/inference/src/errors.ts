import type { ErrorCode } from './constants.js';

/** Base class of every error this package raises on purpose. */
export class InferenceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InferenceError';
  }
}

/** The model could not be loaded: the execution environment must not serve (init fails). */
export class ModelLoadError extends InferenceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelLoadError';
  }
}

/** Invalid configuration (environment variables) detected at init. */
export class ConfigError extends InferenceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/** Where in the request the problem is: a top-level field, or an index into the texts. */
export interface ErrorLocation {
  field?: string;
  index?: number;
}

/** A request the client must fix; becomes a 4xx JSON answer with `code` and the location. */
export class RequestError extends InferenceError {
  readonly status: 400 | 404 | 405 | 413;
  readonly code: ErrorCode;
  readonly location: ErrorLocation;

  constructor(status: 400 | 404 | 405 | 413, code: ErrorCode, message: string, location: ErrorLocation = {}) {
    super(message);
    this.name = 'RequestError';
    this.status = status;
    this.code = code;
    this.location = location;
  }
}
