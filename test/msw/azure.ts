/**
 * msw handler factories for Azure Resource Manager: paged lists with nextLink, long-running operations
 * (202 + Azure-AsyncOperation polling + final Location GET) and ARM error bodies.
 */
import type { TokenCredential } from '@azure/core-auth';
import { http, HttpResponse, type HttpHandler } from 'msw';
import { fixtureJson, TOKEN_EXPIRES_AT } from './fixtures.js';

export const ARM = 'https://management.azure.com';

/**
 * A credential that hands out a fixed bearer token which never expires (a fixed far-future stamp, not the clock
 * plus an hour): the SDK never asks again mid-test, whatever the time. `onScopes` sees the scopes each call asks for.
 */
export function armCredential(opts: { token?: string; onScopes?: (scopes: string[]) => void } = {}): TokenCredential {
  return {
    getToken: async (scopes) => {
      opts.onScopes?.([scopes].flat());
      return { token: opts.token ?? 'fake-arm-token', expiresOnTimestamp: TOKEN_EXPIRES_AT };
    },
  };
}

export interface ArmCall {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  at: number;
}

export function armError(status: number, code: string, message: string, requestId = 'a1b2c3d4-0000-4000-8000-armrequest01', headers: Record<string, string> = {}): Response {
  return HttpResponse.json({ error: { code, message } }, { status, headers: { 'x-ms-request-id': requestId, ...headers } });
}

/** An x-ms-examples file's 200 body, or a recorded response as is. */
export function azureFixture(name: string): any {
  const doc = fixtureJson(`azure/${name}`);
  return doc.responses ? doc.responses['200']?.body : doc;
}

/**
 * Serves `pages` for a list URL: page i links to page i+1 with `$skiptoken=<i+1>`. `respond` may override
 * a page (to inject a throttle or an error) and sees the call.
 */
export function armList(
  path: string,
  pages: unknown[][],
  opts: { calls?: ArmCall[]; when?: (q: URLSearchParams) => boolean; respond?: (page: number, call: ArmCall) => Response | undefined; origin?: string } = {},
): HttpHandler {
  return http.get(`${opts.origin ?? ARM}${path}`, ({ request }) => {
    const url = new URL(request.url);
    if (opts.when && !opts.when(url.searchParams)) return undefined;
    const call = { method: 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), at: performance.now() };
    opts.calls?.push(call);
    const page = Number(url.searchParams.get('$skiptoken') ?? '0');
    const override = opts.respond?.(page, call);
    if (override) return override;
    const next = new URL(url);
    next.searchParams.set('$skiptoken', String(page + 1));
    return HttpResponse.json({ value: pages[page] ?? [], ...(page + 1 < pages.length ? { nextLink: next.toString() } : {}) });
  });
}

/** The four lists the adapter reads per subscription, from fixtures (each one page unless given as pages). */
export function subscriptionLists(
  sub: string,
  docs: { vms: unknown[][]; statusOnly: unknown[][]; nics?: unknown[][]; pips?: unknown[][]; nsgs?: unknown[][] },
  calls?: ArmCall[],
  origin = ARM,
): HttpHandler[] {
  const base = `/subscriptions/${sub}/providers`;
  const o = { ...(calls ? { calls } : {}), origin };
  return [
    armList(`${base}/Microsoft.Compute/virtualMachines`, docs.statusOnly, { ...o, when: (q) => q.get('statusOnly') === 'true' }),
    armList(`${base}/Microsoft.Compute/virtualMachines`, docs.vms, { ...o, when: (q) => q.get('statusOnly') !== 'true' }),
    armList(`${base}/Microsoft.Network/networkInterfaces`, docs.nics ?? [[]], o),
    armList(`${base}/Microsoft.Network/publicIPAddresses`, docs.pips ?? [[]], o),
    armList(`${base}/Microsoft.Network/networkSecurityGroups`, docs.nsgs ?? [[]], o),
  ];
}

/**
 * A long-running operation: `method path` answers 202 with Azure-AsyncOperation and Location; the operation
 * reports InProgress `polls` times, then Succeeded (or Failed with `fail`); the Location answers 200 with `result`.
 * No Retry-After header (it would override the poll interval).
 */
export function armLro(
  method: 'post' | 'put' | 'patch' | 'delete',
  path: string,
  opts: { polls?: number; result?: unknown; fail?: { code: string; message: string }; calls?: ArmCall[]; onStart?: (body: unknown) => void; initialStatus?: number },
): HttpHandler[] {
  const op = `${ARM}/subscriptions/ops${path.replace(/[^a-zA-Z0-9]/g, '')}/operations/op-1`;
  const loc = `${ARM}/subscriptions/ops${path.replace(/[^a-zA-Z0-9]/g, '')}/results/op-1`;
  let polls = 0;
  return [
    http[method](`${ARM}${path}`, async ({ request }) => {
      const body = method === 'post' || method === 'delete' ? undefined : await request.json().catch(() => undefined);
      opts.calls?.push({ method: method.toUpperCase(), path: new URL(request.url).pathname, query: Object.fromEntries(new URL(request.url).searchParams), body, at: performance.now() });
      polls = 0;
      opts.onStart?.(body);
      return new HttpResponse(method === 'put' || method === 'patch' ? JSON.stringify(opts.result ?? {}) : null, {
        status: opts.initialStatus ?? (method === 'put' ? 201 : 202),
        headers: { 'Azure-AsyncOperation': op, Location: loc, 'content-type': 'application/json' },
      });
    }),
    http.get(op, () => {
      opts.calls?.push({ method: 'GET', path: new URL(op).pathname, query: {}, at: performance.now() });
      if (polls++ < (opts.polls ?? 2)) return HttpResponse.json({ status: 'InProgress' });
      return opts.fail ? HttpResponse.json({ status: 'Failed', error: opts.fail }) : HttpResponse.json({ status: 'Succeeded' });
    }),
    http.get(loc, () => HttpResponse.json(opts.result ?? {}, { status: 200 })),
  ];
}
