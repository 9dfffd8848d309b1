/** TEAMS_* settings: the credential kinds, the tenants served, and errors that name the variable without echoing a secret. */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { configErrorOf } from '../../support/config.js';

const base = { STEWARD_DATA_DIR: 'memory://' };
const APP = '0B6FE6D1-FECE-44F7-9A48-56465E2D5AB8';
const TENANT = '50612dbb-0237-4969-b378-8d42590f9c00';
const OTHER = '56653e9d-2158-46ee-90d7-675c39642038';
const SECRET = 'sup3r-s3cret-client-value';

const problemsOf = (env: Record<string, string>): string => configErrorOf({ ...base, ...env }).message;

describe('Teams configuration', () => {
  it('is off without TEAMS_APP_ID', () => {
    expect(loadConfig(base).teams).toBeUndefined();
  });

  it('turns on single-tenant with a client secret, serving the app tenant only', () => {
    expect(loadConfig({ ...base, TEAMS_APP_ID: APP, TEAMS_TENANT_ID: TENANT, TEAMS_APP_PASSWORD: SECRET }).teams).toEqual({
      appId: APP.toLowerCase(),
      appType: 'SingleTenant',
      tenantId: TENANT,
      password: SECRET,
      certificate: undefined,
      allowedTenants: [TENANT],
      openIdMetadataUrl: undefined,
    });
  });

  it('takes a certificate instead of a secret, a managed identity without either, and a list of tenants', () => {
    const cert = loadConfig({ ...base, TEAMS_APP_ID: APP, TEAMS_TENANT_ID: TENANT, TEAMS_CERTIFICATE_THUMBPRINT: 'A'.repeat(40), TEAMS_CERTIFICATE_KEY_FILE: '/run/secrets/bot.pem', TEAMS_ALLOWED_TENANTS: `${TENANT},${OTHER}` }).teams;
    expect(cert).toMatchObject({ password: undefined, certificate: { thumbprint: 'A'.repeat(40), privateKeyFile: '/run/secrets/bot.pem' }, allowedTenants: [TENANT, OTHER] });
    expect(loadConfig({ ...base, TEAMS_APP_ID: APP, TEAMS_APP_TYPE: 'UserAssignedMSI', TEAMS_TENANT_ID: TENANT }).teams).toMatchObject({ appType: 'UserAssignedMSI', password: undefined, certificate: undefined });
    expect(loadConfig({ ...base, TEAMS_APP_ID: APP, TEAMS_APP_TYPE: 'MultiTenant', TEAMS_APP_PASSWORD: SECRET, TEAMS_ALLOWED_TENANTS: OTHER }).teams).toMatchObject({ tenantId: undefined, allowedTenants: [OTHER] });
  });

  it('names what is missing or contradictory, never echoing the secret', () => {
    expect(problemsOf({ TEAMS_APP_ID: APP, TEAMS_TENANT_ID: TENANT })).toMatch(/TEAMS_APP_PASSWORD: required/);
    expect(problemsOf({ TEAMS_APP_ID: APP, TEAMS_APP_PASSWORD: SECRET })).toMatch(/TEAMS_TENANT_ID: required with TEAMS_APP_TYPE=SingleTenant/);
    expect(problemsOf({ TEAMS_APP_ID: APP, TEAMS_APP_TYPE: 'MultiTenant', TEAMS_APP_PASSWORD: SECRET })).toMatch(/TEAMS_ALLOWED_TENANTS: required/);
    expect(problemsOf({ TEAMS_APP_ID: APP, TEAMS_TENANT_ID: TENANT, TEAMS_APP_TYPE: 'UserAssignedMSI', TEAMS_APP_PASSWORD: SECRET })).toMatch(/leave unset with TEAMS_APP_TYPE=UserAssignedMSI/);
    expect(problemsOf({ TEAMS_APP_ID: APP, TEAMS_TENANT_ID: TENANT, TEAMS_CERTIFICATE_THUMBPRINT: 'A'.repeat(40) })).toMatch(/set both/);
    expect(problemsOf({ TEAMS_APP_PASSWORD: SECRET })).toMatch(/TEAMS_APP_ID: required when TEAMS_APP_PASSWORD is set/);
    expect(problemsOf({ TEAMS_APP_ID: 'steward-bot', TEAMS_APP_PASSWORD: SECRET })).toMatch(/TEAMS_APP_ID: expected the Microsoft App ID/);
    expect(problemsOf({ TEAMS_APP_ID: APP, TEAMS_TENANT_ID: TENANT, TEAMS_APP_PASSWORD: SECRET, TEAMS_ALLOWED_TENANTS: 'contoso' })).toMatch(/TEAMS_ALLOWED_TENANTS: expected a comma list of tenant ids/);
    for (const env of [{ TEAMS_APP_ID: APP, TEAMS_APP_PASSWORD: SECRET }, { TEAMS_APP_PASSWORD: SECRET }] as Record<string, string>[]) expect(problemsOf(env)).not.toContain(SECRET);
  });
});
