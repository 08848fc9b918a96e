/** Base error of the local stage: anything that stops it from starting. */
export class LocalStageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LocalStageError';
  }
}

/** The synthesized stack cannot be read or emulated; the message names the resource (and attribute). */
export class StackError extends LocalStageError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StackError';
  }
}
