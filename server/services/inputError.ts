/** A request the caller can fix: shown to them as it is, and nothing has been changed. */
export class InputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}
