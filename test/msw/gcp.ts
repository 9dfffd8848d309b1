/**
 * msw handler factories for Compute Engine v1 and Cloud Monitoring v3 over the REST (HTTP/JSON) transport
 * the Google clients use when given `fallback: true`.
 */
import { OAuth2Client } from 'google-auth-library';
import { http, HttpResponse, type HttpHandler } from 'msw';
import { fixtureJson, TOKEN_EXPIRES_AT } from './fixtures.js';

export const COMPUTE = 'https://compute.googleapis.com/compute/v1';
export const MONITORING = 'https://monitoring.googleapis.com/v3';

export interface GcpCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: any;
  auth: string | null;
  at: number;
}

export const gcpFixture = (name: string) => fixtureJson(`gcp/${name}`);

/** An OAuth2 client with a ready access token: no metadata server or token endpoint is called. */
export function fakeAuth(): OAuth2Client {
  const auth = new OAuth2Client();
  auth.setCredentials({ access_token: 'fake-gcp-token', expiry_date: TOKEN_EXPIRES_AT });
  return auth;
}

export function gcpError(status: number, reason: string, message: string): Response {
  return HttpResponse.json(
    { error: { code: status, message, errors: [{ message, domain: 'usageLimits', reason }], status: status === 429 ? 'RESOURCE_EXHAUSTED' : status === 403 ? 'PERMISSION_DENIED' : 'FAILED_PRECONDITION' } },
    { status, headers: { 'x-goog-request-id': `req-${reason}` } },
  );
}

async function record(request: Request, calls?: GcpCall[]): Promise<GcpCall> {
  const url = new URL(request.url);
  const body = request.method === 'GET' || request.method === 'DELETE' ? undefined : await request.json().catch(() => undefined);
  const call = { method: request.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body, auth: request.headers.get('authorization'), at: performance.now() };
  calls?.push(call);
  return call;
}

/**
 * aggregatedList for one project: page i is `pages[i]` (an `items` map), linking to the next with pageToken `p{i+1}`.
 * `respond` can override a page (throttle, forbid).
 */
export function aggregatedInstances(
  project: string,
  pages: Record<string, unknown>[],
  opts: { calls?: GcpCall[]; respond?: (page: number) => Response | undefined; base?: string } = {},
): HttpHandler {
  return http.get(`${opts.base ?? COMPUTE}/projects/${project}/aggregated/instances`, async ({ request }) => {
    const call = await record(request, opts.calls);
    const page = call.query.pageToken ? Number(call.query.pageToken.slice(1)) : 0;
    const override = opts.respond?.(page);
    if (override) return override;
    return HttpResponse.json({
      kind: 'compute#instanceAggregatedList',
      items: pages[page] ?? {},
      ...(page + 1 < pages.length ? { nextPageToken: `p${page + 1}` } : {}),
    });
  });
}

/** Any Compute Engine call under a project, routed by `METHOD /rest/of/path` after `/projects/<project>/`. */
export function compute(project: string, routes: Record<string, (call: GcpCall) => Response | Promise<Response>>, calls?: GcpCall[]): HttpHandler {
  return http.all(`${COMPUTE}/projects/${project}/*`, async ({ request }) => {
    const call = await record(request, calls);
    const rest = call.path.replace(`/compute/v1/projects/${project}/`, '');
    const hit = Object.entries(routes).find(([k]) => {
      const [m, pattern] = k.split(' ');
      return m === request.method && new RegExp(`^${(pattern ?? '').replace(/:[a-zA-Z]+/g, '[^/]+')}$`).test(rest);
    });
    if (!hit) return gcpError(400, 'noRoute', `no msw route for ${request.method} ${rest}`);
    return hit[1](call);
  });
}

/** A zonal operation in a given status (PENDING → wait answers DONE). */
export function operation(name: string, zone: string, project: string, status: 'PENDING' | 'RUNNING' | 'DONE', extra: Record<string, unknown> = {}) {
  return { kind: 'compute#operation', name, zone: `https://www.googleapis.com/compute/v1/projects/${project}/zones/${zone}`, status, progress: status === 'DONE' ? 100 : 0, ...extra };
}
