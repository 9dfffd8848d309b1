/** A long plan (issue 9, item 8): more steps than a card lists, some with hostile names and reasons. */
import type { Plan, PlanStep } from '../../src/domain/model/plan.js';

/** Names that must stay text on every surface: a Slack mention, markdown emphasis, an HTML entity start. */
export const HOSTILE_NAMES = ['<!channel>-web', '*bold*-db', 'cache & co', '<script>x</script>'];

/** `n` resize steps s1..sn on made-up AWS instances; every 10th is named after a hostile name. */
export function longPlan(n = 76): Plan {
  const steps: PlanStep[] = Array.from({ length: n }, (_, i) => {
    const k = i + 1;
    const hostile = k % 10 === 3 ? HOSTILE_NAMES[Math.floor(k / 10) % HOSTILE_NAMES.length] : undefined;
    return {
      id: `s${k}`,
      kind: 'resize',
      toType: 't3.small',
      target: { provider: 'aws', account: '123456789012', region: 'eu-west-1', id: `i-${String(k).padStart(17, '0')}` },
      targetName: hostile ?? `app-${k}`,
      expect: { state: 'running', type: 'm5.large' },
      reason: hostile ? `p95 CPU 4% <https://evil.example|click> **now** & later` : `p95 CPU ${k % 30}% over 14 days`,
      monthlyDeltaMicros: -41_610_000,
    };
  });
  return {
    kind: 'optimize',
    title: `Reallocate ${n} instances`,
    steps,
    totals: { beforeMonthlyMicros: n * 70_080_000, afterMonthlyMicros: n * 28_470_000, savingsMonthlyMicros: n * 41_610_000 },
    priceSnapshots: { aws: '2026-11-01' },
  };
}

/** Every step id s1..sn that `text` holds as a whole word. */
export function stepIdsIn(text: string, n = 76): string[] {
  return Array.from({ length: n }, (_, i) => `s${i + 1}`).filter((id) => new RegExp(`(^|[^\\w])${id}(?![\\w])`).test(text));
}
