/**
 * Removes things that look like credentials from text that may reach logs or chat replies:
 * AWS access key ids, bearer tokens, OAuth tokens, SAS signatures and signed-URL parameters.
 */
const PATTERNS: [RegExp, string][] = [
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, '[redacted-key-id]'],
  // Slack bot, user, app and refresh tokens (xoxb-…, xoxp-…, xapp-…).
  [/\b(xox[abpersc]|xapp)-[A-Za-z0-9-]{6,}/g, '[redacted-slack-token]'],
  // A password in a connection string (postgres://user:password@host).
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, '$1[redacted]@'],
  [/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]'],
  [/("?(?:access_token|refresh_token|id_token|client_secret|password|secret|token)"?\s*[:=]\s*)"?[^"\s,&}]+"?/gi, '$1[redacted]'],
  [/([?&](?:sig|signature|X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|code)=)[^&\s"]+/gi, '$1[redacted]'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*/g, '[redacted-jwt]'],
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const [re, by] of PATTERNS) out = out.replace(re, by);
  return out;
}

/** A one-line, bounded, redacted message for people. */
export function safeMessage(text: unknown, max = 300): string {
  const s = redactSecrets(String(text ?? '')).replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
