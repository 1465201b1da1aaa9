/**
 * An error the user can fix (a wrong run id, a run in the wrong state): its message says what and what to do.
 * The CLI prints it without a stack and exits with 2; the trainer returns it as a JSON-RPC error.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
