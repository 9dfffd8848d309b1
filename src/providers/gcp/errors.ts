import { ProviderError, type ProviderErrorCode } from '../../domain/model/errors.js';
import { safeMessage } from '../../lib/redact.js';

export const GCP_CREDENTIALS_HINT =
  'no Google Cloud credentials found: set GOOGLE_APPLICATION_CREDENTIALS to a key or workload identity federation file, run `gcloud auth application-default login`, or run with an attached service account (Application Default Credentials)';

interface GcpLikeError {
  name?: string;
  code?: number | string;
  status?: number | string;
  message?: string;
  reason?: string;
  response?: { status?: number; headers?: { get?(n: string): string | null } | Record<string, string> };
  errors?: { reason?: string; message?: string }[];
}

/** The Google error body ({"error":{"code","message","errors":[{"reason"}],"status"}}) when the message is one. */
function parseBody(msg: string): { code?: number; message?: string; reason?: string; status?: string } | undefined {
  const start = msg.indexOf('{');
  if (start < 0) return undefined;
  try {
    const body = JSON.parse(msg.slice(start)) as { error?: { code?: number; message?: string; status?: string; errors?: { reason?: string }[] } };
    const e = body.error;
    return e ? { ...(e.code ? { code: e.code } : {}), ...(e.message ? { message: e.message } : {}), ...(e.errors?.[0]?.reason ? { reason: e.errors[0].reason } : {}), ...(e.status ? { status: e.status } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

function requestIdOf(e: GcpLikeError): string | undefined {
  const h = e.response?.headers;
  if (!h) return undefined;
  const get = (n: string) => (typeof (h as { get?: unknown }).get === 'function' ? ((h as { get(n: string): string | null }).get(n) ?? undefined) : (h as Record<string, string>)[n]);
  return get('x-goog-request-id') ?? get('x-guploader-uploadid');
}

const THROTTLED = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'RATE_LIMIT_EXCEEDED', 'RESOURCE_EXHAUSTED', 'quotaExceeded']);
const AUTH_NAMES = new Set(['CredentialsError', 'InvalidGrant', 'UNAUTHENTICATED']);

/** Is this a GCP rate-quota answer (403 rateLimitExceeded or 429)? Safe to retry: the request was not executed. */
export function isGcpThrottle(err: unknown): boolean {
  const e = (err ?? {}) as GcpLikeError;
  const status = e.response?.status ?? (typeof e.status === 'number' ? e.status : typeof e.code === 'number' ? e.code : undefined);
  if (status === 429) return true;
  const body = parseBody(e.message ?? '');
  return !!((body?.reason && THROTTLED.has(body.reason)) || (body?.status === 'RESOURCE_EXHAUSTED') || (e.reason && THROTTLED.has(e.reason)));
}

/**
 * The one place a Google API error (GaxiosError from the REST transport, GoogleError, auth library errors,
 * zone operation errors) becomes a ProviderError. Keeps the reason and request id; never the request.
 */
export function toGcpError(err: unknown, operation: string, region?: string): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as GcpLikeError;
  const raw = e.message ?? String(err);
  const body = parseBody(raw);
  const status = e.response?.status ?? body?.code ?? (typeof e.status === 'number' ? e.status : typeof e.code === 'number' && e.code >= 100 ? e.code : undefined);
  const native = body?.reason ?? e.reason ?? body?.status ?? (typeof e.code === 'string' ? e.code : undefined) ?? (e.name && e.name !== 'Error' && e.name !== 'GaxiosError' ? e.name : undefined);
  let message = safeMessage(body?.message ?? raw);
  let code: ProviderErrorCode;
  const noCreds = /Could not load the default credentials|Could not refresh access token|invalid_grant|Unable to detect a Project Id/i.test(raw);
  if (isGcpThrottle(err)) code = 'PROVIDER.THROTTLED';
  else if (noCreds || status === 401 || (native && AUTH_NAMES.has(native))) {
    code = 'PROVIDER.AUTH';
    if (noCreds) message = GCP_CREDENTIALS_HINT;
  } else if (status === 403) {
    code = 'PROVIDER.FORBIDDEN';
    message = `the Google Cloud identity is not allowed to ${operation}${body?.message ? `: ${safeMessage(body.message, 200)}` : ''}`;
  } else if (status === 404) code = 'PROVIDER.NOT_FOUND';
  else if (status !== undefined && status >= 400 && status < 500) code = 'PROVIDER.INVALID';
  else code = 'PROVIDER.UNAVAILABLE';
  const requestId = requestIdOf(e);
  return new ProviderError(code, message, {
    provider: 'gcp',
    operation,
    ...(native ? { nativeCode: String(native) } : status ? { nativeCode: `HTTP ${status}` } : {}),
    ...(requestId ? { requestId } : {}),
    ...(region ? { region } : {}),
  });
}
