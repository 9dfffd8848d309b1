/**
 * Slack's response_url: a webhook tied to one slash command or click, good for 5 messages within 30 minutes.
 * The answer, a "working…" note and progress all go through it, so each invocation counts its uses and keeps the
 * last one for the answer.
 */
import type { SlackMessage } from './render.js';

export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export interface ResponseUrlPayload extends Partial<SlackMessage> {
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
  delete_original?: boolean;
}

/** Only Slack's own hosts: a forged-but-signed body can never make us POST elsewhere (defence in depth). */
export function isSlackResponseUrl(u: string): boolean {
  try {
    const url = new URL(u);
    return url.protocol === 'https:' && /^hooks\.slack(-gov)?\.com$/.test(url.hostname);
  } catch {
    return false;
  }
}

export class ResponseUrlError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ResponseUrlError';
  }
}

export type ResponseUrlPoster = (url: string, payload: ResponseUrlPayload) => Promise<void>;

/** POSTs a message to a response_url; non-2xx (expired, used up, bad blocks) throws with Slack's answer. */
export function createResponseUrlPoster(opts: { allow?: (url: string) => boolean; timeoutMs?: number } = {}): ResponseUrlPoster {
  const allow = opts.allow ?? isSlackResponseUrl;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  return async (url, payload) => {
    if (!allow(url)) throw new ResponseUrlError('response_url is not a Slack webhook address');
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = await res.text().catch(() => '');
    if (!res.ok) throw new ResponseUrlError(`response_url answered ${res.status}: ${body.slice(0, 200)}`, res.status);
    // Slack answers 200 with a JSON error for some failures (e.g. {"ok":false,"error":"invalid_blocks"}).
    if (body.startsWith('{')) {
      try {
        const j = JSON.parse(body) as { ok?: boolean; error?: string };
        if (j.ok === false) throw new ResponseUrlError(`response_url refused the message: ${j.error ?? 'unknown error'}`, res.status);
      } catch (err) {
        if (err instanceof ResponseUrlError) throw err;
      }
    }
  };
}

/** Counts the uses of one response_url, so interim notes never take the slot the answer needs. */
export class ResponseUrlBudget {
  private used = 0;
  constructor(
    readonly url: string,
    private readonly post: ResponseUrlPoster,
    private readonly createdAt = Date.now(),
    private readonly now: () => number = Date.now,
  ) {}

  get remaining(): number {
    if (this.now() - this.createdAt > RESPONSE_URL_TTL_MS) return 0;
    return RESPONSE_URL_MAX_USES - this.used;
  }

  /** Posts if more than `reserve` uses would be left afterwards; false when it held back. */
  async send(payload: ResponseUrlPayload, reserve = 0): Promise<boolean> {
    if (this.remaining - 1 < reserve) return false;
    this.used++;
    await this.post(this.url, payload);
    return true;
  }
}
