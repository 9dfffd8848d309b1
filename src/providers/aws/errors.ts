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
  $response?: { statusCode?: number; headers?: Record<string, string> };
}

/** The SDK's own hint about its hidden `$response` field: for SDK users, not for people reading a reply. */
const SDK_HINT = /\s*Deserialization error: to see the raw response, inspect the hidden field \{error\}\.\$response on this object\.?/;

/**
 * The SDK could not parse the answer (an HTML error page from a proxy, a captive portal, a wrong endpoint): it
 * throws the parser's error ("XML parse error …", "Unexpected token <") with the raw response hidden on it.
 */
function notAnAwsAnswer(e: AwsLikeError, operation: string): string | undefined {
  if (e.name !== 'UnparsableResponse' && !SDK_HINT.test(e.message ?? '')) return undefined;
  const hidden = Object.getOwnPropertyDescriptor(e, '$response')?.value as AwsLikeError['$response'] | undefined;
  const status = hidden?.statusCode ?? e.$metadata?.httpStatusCode;
  const type = hidden?.headers?.['content-type'] ?? hidden?.headers?.['Content-Type'];
  const what = [status ? `HTTP ${status}` : undefined, type ? type.split(';')[0] : undefined].filter(Boolean).join(', ');
  return `the endpoint's answer to ${operation} is not an AWS API response${what ? ` (${what})` : ''}: check network access to the EC2/CloudWatch endpoints, a proxy in between, or AWS_ENDPOINT_URL`;
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
  let message = safeMessage((e.message ?? String(err)).replace(SDK_HINT, ''));
  const unparsable = notAnAwsAnswer(e, operation);
  if (unparsable) {
    return new ProviderError('PROVIDER.UNAVAILABLE', unparsable, { provider: 'aws', operation, nativeCode: 'UnparsableResponse', ...(region ? { region } : {}) });
  }
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

/** What a person can do about a part of the estate AWS did not answer for. */
export function awsAdvice(code: string, operation: string): string | undefined {
  switch (code) {
    case 'PROVIDER.THROTTLED':
      return 'EC2 kept throttling after retries: try again in a minute (`--refresh`), or lower AWS_REQUESTS_PER_SECOND if other tools share the account';
    case 'PROVIDER.FORBIDDEN':
      return `grant ${operation === 'GetMetricData' ? 'cloudwatch' : 'ec2'}:${operation} (manifests/iam/aws-read-policy.json has every read Steward needs), or drop the region from AWS_REGIONS`;
    case 'PROVIDER.AUTH':
      return 'check the credentials of the default chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, the instance or task role)';
    case 'PROVIDER.UNAVAILABLE':
      return 'the region did not answer: check network access to its endpoint (or AWS_ENDPOINT_URL) and try again with `--refresh`';
    default:
      return undefined;
  }
}
