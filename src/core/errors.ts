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
