/**
 * Money is kept in integer micro-dollars (1 USD = 1_000_000 micros) so sums are exact;
 * prices arrive as USD per hour with up to 6 decimals. Format only at the edge.
 */
export const MICROS_PER_USD = 1_000_000;
/** The month used for run-rates: 730 hours (365 × 24 / 12), as the cloud calculators use. */
export const HOURS_PER_MONTH = 730;

/** Parses a decimal USD string such as "0.0116" into micros without going through float error. */
export function usdToMicros(usd: string | number): number {
  const text = typeof usd === 'number' ? usd.toFixed(6) : usd.trim();
  const m = /^(-)?(\d+)(?:\.(\d{0,6})\d*)?$/.exec(text);
  if (!m) throw new RangeError(`not a USD amount: ${JSON.stringify(usd)}`);
  const whole = Number(m[2]);
  const frac = Number((m[3] ?? '').padEnd(6, '0'));
  const micros = whole * MICROS_PER_USD + frac;
  return m[1] ? -micros : micros;
}

export function monthlyFromHourly(hourlyMicros: number): number {
  return hourlyMicros * HOURS_PER_MONTH;
}

/**
 * "$1,234.56"; with `precise` (hourly prices), always 4 decimals ("$0.0116", "$0.9200", "$1.6850") so a column of
 * prices lines up, and up to 6 only when a price has them.
 */
export function formatUsd(micros: number, opts: { precise?: boolean } = {}): string {
  const usd = micros / MICROS_PER_USD;
  const abs = Math.abs(usd);
  const digits = opts.precise ? 4 : abs >= 100 ? 0 : 2;
  const s = abs.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: opts.precise ? 6 : digits });
  return `${usd < 0 ? '-' : ''}$${s}`;
}

export function formatMonthly(micros: number): string {
  return `${formatUsd(micros)}/mo`;
}
