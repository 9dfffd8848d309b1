/**
 * Errors that cross rooms carry a stable `AREA.REASON` code and, when safe, a message for people.
 * Expected outcomes are values; these are for the exceptional paths.
 */
export class AppError extends Error {
  readonly code: string;
  readonly userMessage: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, opts: { cause?: unknown; userMessage?: string; details?: Record<string, unknown> } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.userMessage = opts.userMessage;
    this.details = opts.details;
  }
}

export type ProviderErrorCode =
  | 'PROVIDER.THROTTLED'
  | 'PROVIDER.AUTH'
  | 'PROVIDER.FORBIDDEN'
  | 'PROVIDER.NOT_FOUND'
  | 'PROVIDER.UNAVAILABLE'
  | 'PROVIDER.INVALID'
  | 'PROVIDER.DRY_RUN_FAILED';

/** A cloud error after the provider's translator: keeps the native code and request id, never credentials. */
export class ProviderError extends AppError {
  readonly provider: string;
  readonly operation: string;
  readonly retryable: boolean;
  readonly nativeCode: string | undefined;
  readonly requestId: string | undefined;
  readonly region: string | undefined;
  /** The operation, the message and the native code, without the provider/region prefix of `userMessage` (for gap lines that name the place themselves). */
  readonly detail: string;

  constructor(
    code: ProviderErrorCode,
    message: string,
    opts: {
      provider: string;
      operation: string;
      retryable?: boolean;
      nativeCode?: string;
      requestId?: string;
      region?: string;
      cause?: unknown;
      /** What happened next, after the cloud's answer ("web-1 was started again and is running"). */
      after?: string;
    },
  ) {
    const where = `${opts.provider}${opts.region ? ` ${opts.region}` : ''} ${opts.operation}`;
    const native = opts.nativeCode ? ` (${opts.nativeCode}${opts.requestId ? `, request ${opts.requestId}` : ''})` : '';
    super(code, message, { cause: opts.cause, userMessage: `${where}: ${message}${native}${opts.after ? `; ${opts.after}` : ''}` });
    this.name = 'ProviderError';
    this.provider = opts.provider;
    this.operation = opts.operation;
    this.retryable = opts.retryable ?? (code === 'PROVIDER.THROTTLED' || code === 'PROVIDER.UNAVAILABLE');
    this.nativeCode = opts.nativeCode;
    this.requestId = opts.requestId;
    this.region = opts.region;
    this.detail = `${opts.operation}: ${message}${native}`;
  }
}
