import { pino, type Logger } from 'pino';

export type { Logger };

/** Keys whose values are never written to logs, wherever they appear. */
const REDACT = [
  '*.token', '*.password', '*.secret', '*.signingSecret', '*.clientSecret', '*.accessKeyId', '*.secretAccessKey',
  '*.authorization', '*.Authorization', 'headers.authorization', 'headers.cookie', '*.databaseUrl', '*.connectionString',
];

export function createLogger(opts: { level?: string; name?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino(
    { name: opts.name ?? 'steward', level: opts.level ?? 'info', redact: { paths: REDACT, censor: '[redacted]' } },
    opts.destination ?? process.stdout,
  );
}

/** A logger that writes nothing (tests, CLI json mode). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
