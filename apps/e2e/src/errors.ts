/** The one error class of this app: a run that cannot start says what to set or run instead. */
export class E2eError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'E2eError';
  }
}
