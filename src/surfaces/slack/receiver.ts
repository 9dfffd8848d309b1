/**
 * A Bolt receiver that acks slash commands and button clicks as soon as their signature checks out, before Bolt's
 * middleware and listeners run. Slack only needs an empty 200 within 3 s for both; everything Bolt does after
 * (authorize, context, listener matching, our handlers) waits in the ack-first queue until the requests still
 * arriving have been acked. So a burst is acked at the cost of reading, verifying and answering each request,
 * whatever the handlers do.
 *
 * The listener `ack()` Bolt hands those handlers is a no-op (the 200 went out already): they cannot ack with a
 * body. Every other payload (view submissions, options, shortcuts, events) takes Bolt's usual ack path.
 * Verification: the signature is Bolt's own check (`parseAndVerifyHTTPRequest`, which also refuses a timestamp
 * more than five minutes old); Bolt accepts any timestamp in the future, so a signed request stamped ahead (a
 * replay prepared in advance, or a sender whose clock is off) is refused here too: more than five minutes away in
 * either direction gets 401. With `installation` set, a signed request from another workspace or another app
 * (same signing secret reused, or a request replayed across installations) gets 403 before anything runs.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTPModuleFunctions as httpFunc, HTTPResponseAck, type App, type Logger as BoltLogger, type Receiver } from '@slack/bolt';
import type { AckFirstQueue } from './ack-first.js';

export interface AckFirstReceiverOptions {
  signingSecret: string;
  logger: BoltLogger;
  queue: AckFirstQueue;
  /** Runs Bolt's processing of an early-acked request once the burst has been acked (the ack-first queue). */
  defer: (job: () => Promise<void>) => void;
  onError: (err: unknown) => void;
  bodyLimit?: number;
  /** SLACK_TEAM_ID / SLACK_APP_ID: when given, every request must come from one of these workspaces / this app. */
  installation?: Installation;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
}

/** How far a request's timestamp may be from our clock, either way (Slack's own rule for stale requests). */
export const MAX_CLOCK_SKEW_S = 5 * 60;

/** The workspace and app a payload names: slash commands and events at the top, interactive payloads in `team`. */
export function installationOf(body: Record<string, unknown>): { teamId: string | undefined; appId: string | undefined } {
  const str = (v: unknown) => (typeof v === 'string' && v ? v : undefined);
  const team = body.team as { id?: unknown } | null | undefined;
  const user = body.user as { team_id?: unknown } | null | undefined;
  return {
    teamId: str(body.team_id) ?? str(team?.id) ?? str(user?.team_id),
    appId: str(body.api_app_id),
  };
}

export type Installation = { teamIds?: readonly string[] | undefined; appId?: string | undefined };

/**
 * Whether a payload comes from another installation than SLACK_TEAM_ID / SLACK_APP_ID name (never, when neither is
 * set): undefined when it is ours, else the words for the log line (what came, what was expected).
 */
export function foreignInstallation(body: Record<string, unknown>, expected: Installation | undefined): string | undefined {
  if (!expected || (!expected.teamIds?.length && !expected.appId)) return undefined;
  const got = installationOf(body);
  const teamOk = !expected.teamIds?.length || (got.teamId !== undefined && expected.teamIds.includes(got.teamId));
  const appOk = !expected.appId || got.appId === expected.appId;
  if (teamOk && appOk) return undefined;
  return `team ${got.teamId ?? 'none'}, app ${got.appId ?? 'none'}; SLACK_TEAM_ID / SLACK_APP_ID expect ${expected.teamIds?.join(',') || 'any'} / ${expected.appId ?? 'any'}`;
}

type Body = Record<string, unknown> & { command?: unknown; type?: unknown; ssl_check?: unknown };

/** Payloads acked before Bolt sees them: Slack expects nothing but an empty 200 for these. */
function ackedEarly(body: Body): boolean {
  return typeof body.command === 'string' || body.type === 'block_actions';
}

export class AckFirstReceiver implements Receiver {
  private app: App | undefined;

  constructor(private readonly opts: AckFirstReceiverOptions) {}

  init(app: App): void {
    this.app = app;
  }

  // Mounted on the shared server: nothing to start or stop here.
  async start(): Promise<void> {}
  async stop(): Promise<void> {}

  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    void this.handle(req, res).catch((err: unknown) => {
      this.opts.onError(err);
      if (!res.headersSent) httpFunc.buildNoBodyResponse(res, 500);
    });
  };

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { logger } = this.opts;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    // Bolt refuses stale timestamps only; refuse ones from the future as well (before reading the body).
    const header = req.headers['x-slack-request-timestamp'];
    const stamp = typeof header === 'string' ? Number(header) : Number.NaN;
    const nowS = Math.floor((this.opts.now ?? Date.now)() / 1000);
    if (Number.isFinite(stamp) && Math.abs(nowS - stamp) > MAX_CLOCK_SKEW_S) {
      logger.warn(`Failed to parse and verify the request data: x-slack-request-timestamp is ${stamp - nowS} s away from our clock (more than ${MAX_CLOCK_SKEW_S} s either way)`);
      httpFunc.buildNoBodyResponse(res, 401);
      return;
    }
    let buffered: Awaited<ReturnType<typeof httpFunc.parseAndVerifyHTTPRequest>>;
    try {
      buffered = await httpFunc.parseAndVerifyHTTPRequest({ enabled: true, signingSecret: this.opts.signingSecret, bodyLimit: this.opts.bodyLimit ?? httpFunc.defaultBodyLimit }, req);
    } catch (err) {
      if (httpFunc.isRawBodyError(err) && (err.type === 'entity.too.large' || err.statusCode === 413)) {
        logger.warn('Request body exceeded the maximum allowed size');
        httpFunc.buildNoBodyResponse(res, 413);
        return;
      }
      logger.warn(`Failed to parse and verify the request data: ${(err as Error).message}`);
      httpFunc.buildNoBodyResponse(res, 401);
      return;
    }
    let body: Body;
    try {
      body = httpFunc.parseHTTPRequestBody(buffered) as Body;
    } catch (err) {
      logger.warn(`Malformed request body: ${(err as Error).message}`);
      httpFunc.buildNoBodyResponse(res, 400);
      return;
    }
    if (body.ssl_check) {
      httpFunc.buildSSLCheckResponse(res);
      return;
    }
    if (body.type === 'url_verification') {
      httpFunc.buildUrlVerificationResponse(res, body);
      return;
    }
    const foreign = foreignInstallation(body, this.opts.installation);
    if (foreign) {
      logger.warn(`Refused a signed request for another installation (${foreign})`);
      httpFunc.buildNoBodyResponse(res, 403);
      return;
    }
    const app = this.app;
    if (!app) throw new Error('the Slack receiver is not attached to an app');
    const retryNum = httpFunc.extractRetryNumFromHTTPRequest(req);
    const retryReason = httpFunc.extractRetryReasonFromHTTPRequest(req);
    const meta = { ...(retryNum !== undefined ? { retryNum } : {}), ...(retryReason !== undefined ? { retryReason } : {}) };

    if (ackedEarly(body)) {
      res.writeHead(200).end();
      this.opts.queue.acked();
      this.opts.defer(() => app.processEvent({ body, ack: async () => undefined, ...meta }));
      return;
    }

    // Anything else: Bolt's usual flow, where the listener's ack() writes the response.
    const ack = new HTTPResponseAck({ logger, processBeforeResponse: false, httpRequest: buffered, httpRequestBody: body, httpResponse: res });
    await app.processEvent({ body, ack: ack.bind(), ...meta });
    if (ack.storedResponse !== undefined) httpFunc.buildContentResponse(res, ack.storedResponse);
  }
}
