import { pino, stdSerializers, type Logger } from 'pino';
import { currentCorrelationId } from './correlation.js';
import { redactSecrets } from './redact.js';

export type { Logger };

/**
 * Keys whose values are never written to logs, at any depth, whatever the casing: tokens (Slack bot/app tokens,
 * OAuth, session), secrets and passwords, signatures (x-slack-signature, SAS sig), Authorization and cookies,
 * cloud keys and connection strings.
 */
const SECRET_KEY = /token|secret|passw(or)?d|signature|^sig$|authorization|cookie|credential|api[-_]?key|access[-_]?key|private[-_]?key|connection[-_]?string|database[-_]?url|^dsn$/i;
const CENSOR = '[redacted]';
/**
 * pino applies the bindings formatter to the root logger only; a child's bindings (`log.child({ token })`) are
 * censored by name through pino's own redaction instead (top-level keys).
 */
const CHILD_BINDING_PATHS = ['token', 'botToken', 'appToken', 'accessToken', 'sessionToken', 'password', 'secret', 'signingSecret', 'clientSecret', 'accessKeyId', 'secretAccessKey', 'authorization', 'Authorization', 'cookie', 'signature', 'apiKey', 'databaseUrl', 'connectionString'];
const MAX_DEPTH = 8;

/**
 * A copy of a log object with secret-named keys censored and every string passed through redactSecrets (a token
 * or bearer header inside an error message or a URL). Errors are serialized first (pino's err serializer), so their
 * message and stack are scrubbed too.
 */
export function scrubLogObject(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[deep]';
  if (value instanceof Error) return scrubLogObject(stdSerializers.err(value), depth, seen);
  if (value instanceof Date || Buffer.isBuffer(value)) return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrubLogObject(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null && v !== '' ? CENSOR : scrubLogObject(v, depth + 1, seen);
  }
  return out;
}

/**
 * The JSON logger. Every line carries the correlation id of the invocation it belongs to (from the async context,
 * src/lib/correlation.ts), and goes through the scrubber: secret-named keys at any depth, credential-looking text
 * in messages and values (tested in test/lib/logger.test.ts).
 */
export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'steward',
      level: opts.level ?? 'info',
      redact: { paths: CHILD_BINDING_PATHS, censor: CENSOR },
      serializers: { err: (e: unknown) => (e instanceof Error ? stdSerializers.err(e) : e) },
      mixin() {
        const correlationId = currentCorrelationId();
        return correlationId ? { correlationId } : {};
      },
      formatters: {
        log: (obj) => scrubLogObject(obj) as Record<string, unknown>,
        bindings: (b) => scrubLogObject(b) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          // The message text (and printf-style arguments): a token pasted into a command line stays out of the log.
          const scrubbed = args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a));
          method.apply(this, scrubbed as Parameters<typeof method>);
        },
      },
    },
    opts.destination ?? process.stdout,
  );
}

/** A logger that writes nothing (tests, CLI json mode). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
