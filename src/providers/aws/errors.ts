import { ProviderError, type ProviderErrorCode } from '../../domain/model/errors.js';
import { safeMessage } from '../../lib/redact.js';

const THROTTLED = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'RequestThrottled', 'RequestThrottledException', 'SlowDown']);
const AUTH = new Set([
  'AuthFailure', 'UnrecognizedClientException', 'InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException',
  'RequestExpired', 'CredentialsProviderError', 'TokenProviderError', 'MissingAuthenticationToken', 'IncompleteSignature',
]);
const FORBIDDEN = new Set(['UnauthorizedOperation', 'AccessDenied', 'AccessDeniedException', 'OptInRequired', 'Blocked']);
const UNAVAILABLE = new Set(['InternalError', 'InternalFailure', 'ServiceUnavailable', 'Unavailable', 'InsufficientInstanceCapacity', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/** What to do when AWS has no credentials: the default chain, named. */
export const AWS_CREDENTIALS_HINT =
  'no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE (or SSO via aws sso login), a web identity token, or run with an instance/task role';

interface AwsLikeError {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string; extendedRequestId?: string };
}

/**
 * The one place an AWS SDK error becomes a ProviderError. Keeps the EC2 error code and request id;
 * never keeps the raw SDK error (it can carry the signed request).
 */
export function toAwsError(err: unknown, operation: string, region?: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as AwsLikeError;
  const native = e.Code ?? (e.name && e.name !== 'Error' ? e.name : undefined) ?? e.code;
  const status = e.$metadata?.httpStatusCode;
  const requestId = e.$metadata?.requestId;
  let code: ProviderErrorCode;
  let message = safeMessage(e.message ?? String(err));
  if (native && THROTTLED.has(native)) code = 'PROVIDER.THROTTLED';
  else if (status === 429) code = 'PROVIDER.THROTTLED';
  else if (native && AUTH.has(native)) {
    code = 'PROVIDER.AUTH';
    if (native === 'CredentialsProviderError' || native === 'TokenProviderError') message = AWS_CREDENTIALS_HINT;
  } else if (status === 401) code = 'PROVIDER.AUTH';
  else if (native && FORBIDDEN.has(native)) {
    code = 'PROVIDER.FORBIDDEN';
    // UnauthorizedOperation carries a long encoded authorization message; the operation name says enough.
    message = `the AWS identity is not allowed to call ${operation}${region ? ` in ${region}` : ''}`;
  } else if (status === 403) code = 'PROVIDER.FORBIDDEN';
  else if (native && (/\.NotFound$/.test(native) || native === 'NotFound' || native === 'NoSuchEntity')) code = 'PROVIDER.NOT_FOUND';
  else if (status === 404) code = 'PROVIDER.NOT_FOUND';
  else if ((native && UNAVAILABLE.has(native)) || (native && NETWORK.has(native)) || (status !== undefined && status >= 500) || e.$fault === 'server') {
    code = 'PROVIDER.UNAVAILABLE';
  } else if (status !== undefined && status >= 400) code = 'PROVIDER.INVALID';
  else code = 'PROVIDER.UNAVAILABLE';
  return new ProviderError(code, message, {
    provider: 'aws',
    operation,
    ...(native ? { nativeCode: native } : {}),
    ...(requestId ? { requestId } : {}),
    ...(region ? { region } : {}),
  });
}

/** EC2 answers a successful DryRun with this "error". */
export function isDryRunSuccess(err: unknown): boolean {
  return (err as AwsLikeError | undefined)?.name === 'DryRunOperation' || (err as AwsLikeError | undefined)?.Code === 'DryRunOperation';
}
