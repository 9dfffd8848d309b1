import { AppError } from '../domain/model/errors.js';

/** The user typed something the command cannot take; answered with the usage line, exit code 2. */
export class UsageError extends AppError {
  readonly usage: string | undefined;
  constructor(message: string, usage?: string) {
    super('COMMAND.USAGE', message, { userMessage: message });
    this.name = 'UsageError';
    this.usage = usage;
  }
}

/** The actor may not do this; the message says why and who could. */
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super('AUTH.FORBIDDEN', message, { userMessage: message });
    this.name = 'ForbiddenError';
  }
}

export { AppError };

/** The thing the user named (a proposal, an instance) does not exist; exit code 4. */
export class NotFoundError extends AppError {
  constructor(code: `${string}.NOT_FOUND`, message: string) {
    super(code, message, { userMessage: message });
    this.name = 'NotFoundError';
  }
}

/** The request was understood but there is nothing to do (already decided, expired, already in that state);
 * nothing was changed. Exit code 5. */
export class NothingChangedError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, { userMessage: message });
    this.name = 'NothingChangedError';
  }
}
