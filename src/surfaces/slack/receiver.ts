/**
 * A Bolt receiver that acks slash commands and button clicks as soon as their signature checks out, before Bolt's
 * middleware and listeners run. Slack only needs an empty 200 within 3 s for both; everything Bolt does after
 * (authorize, context, listener matching, our handlers) waits in the ack-first queue until the requests still
 * arriving have been acked. So a burst is acked at the cost of reading, verifying and answering each request,
 * whatever the handlers do.
 *
 * The listener `ack()` Bolt hands those handlers is a no-op (the 200 went out already): they cannot ack with a
 * body. Every other payload (view submissions, options, shortcuts, events) takes Bolt's usual ack path.
 * Verification is Bolt's own (`parseAndVerifyHTTPRequest`): a forged signature or a timestamp more than five
 * minutes old gets 401.
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
