import { ProviderError, type ProviderErrorCode } from '../../domain/model/errors.js';
import { safeMessage } from '../../lib/redact.js';

export const AZURE_CREDENTIALS_HINT =
  'no Azure credentials found: set AZURE_TENANT_ID/AZURE_CLIENT_ID with AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH, use workload or managed identity, or run `az login` (DefaultAzureCredential)';

const THROTTLED = new Set(['TooManyRequests', 'SubscriptionRequestsThrottled', 'TenantRequestsThrottled', 'ResourceRequestsThrottled', 'OperationThrottled']);
const AUTH = new Set(['InvalidAuthenticationToken', 'ExpiredAuthenticationToken', 'InvalidAuthenticationTokenTenant', 'AuthenticationFailed', 'CredentialUnavailableError', 'AuthenticationError', 'AggregateAuthenticationError', 'AuthenticationRequiredError']);
const FORBIDDEN = new Set(['AuthorizationFailed', 'LinkedAuthorizationFailed', 'RequestDisallowedByPolicy', 'Forbidden']);
const NOT_FOUND = new Set(['ResourceNotFound', 'ResourceGroupNotFound', 'NotFound', 'SubscriptionNotFound', 'ParentResourceNotFound']);
const INVALID = new Set(['OperationNotAllowed', 'BadRequest', 'Conflict', 'SkuNotAvailable', 'InvalidParameter', 'PropertyChangeNotAllowed', 'OperationNotAllowedInCurrentState']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'REQUEST_SEND_ERROR']);

interface AzureLikeError {
  name?: string;
  code?: string;
  statusCode?: number;
  message?: string;
  response?: { headers?: { get?(name: string): string | undefined } | Record<string, string> };
}

function header(e: AzureLikeError, name: string): string | undefined {
  const h = e.response?.headers;
  if (!h) return undefined;
  if (typeof (h as { get?: unknown }).get === 'function') return (h as { get(n: string): string | undefined }).get(name) ?? undefined;
  return (h as Record<string, string>)[name];
}

/**
 * The one place an Azure SDK error (RestError, identity errors, failed long-running operations) becomes
 * a ProviderError. Keeps the ARM error code and x-ms-request-id; drops the request (it carries the bearer token).
 */
export function toAzureError(err: unknown, operation: string, subscription?: string, region?: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as AzureLikeError;
  const msg = e.message ?? String(err);
  // A failed LRO reads "The long-running operation has failed. <Code>. <message>" with no status code.
  const lro = /long-running operation has failed\.\s*([A-Za-z]+)\.?/.exec(msg);
  const native = (e.code && e.code !== 'ERR_UNKNOWN' ? e.code : undefined) ?? lro?.[1] ?? (e.name && e.name !== 'Error' && e.name !== 'RestError' ? e.name : undefined);
  const status = e.statusCode;
  const requestId = header(e, 'x-ms-request-id') ?? header(e, 'x-ms-correlation-request-id');
  let code: ProviderErrorCode;
  let message = safeMessage(msg);
  if ((native && THROTTLED.has(native)) || status === 429) code = 'PROVIDER.THROTTLED';
  else if ((native && AUTH.has(native)) || status === 401) {
    code = 'PROVIDER.AUTH';
    if (native === 'CredentialUnavailableError' || native === 'AggregateAuthenticationError') message = AZURE_CREDENTIALS_HINT;
  } else if ((native && FORBIDDEN.has(native)) || status === 403) {
    code = 'PROVIDER.FORBIDDEN';
    message = `the Azure identity is not allowed to ${operation}${subscription ? ` in subscription ${subscription}` : ''}`;
  } else if ((native && NOT_FOUND.has(native)) || status === 404) code = 'PROVIDER.NOT_FOUND';
  else if ((native && INVALID.has(native)) || (status !== undefined && status >= 400 && status < 500)) code = 'PROVIDER.INVALID';
  else if ((native && NETWORK.has(native)) || (status !== undefined && status >= 500)) code = 'PROVIDER.UNAVAILABLE';
  else code = 'PROVIDER.UNAVAILABLE';
  return new ProviderError(code, message, {
    provider: 'azure',
    operation,
    ...(native ? { nativeCode: native } : {}),
    ...(requestId ? { requestId } : {}),
    ...(region ? { region } : subscription ? { region: subscription } : {}),
  });
}
