import { describe, expect, it } from 'vitest';
import { createRng } from '../../src/sandbox/domain/random.js';
import type { FaultOptions } from '../../src/sandbox/domain/types.js';
import { type FaultDecision, FaultInjector } from '../../src/sandbox/http/faults.js';

const N = 20_000;

function decisions(
  seed: number,
  options: FaultOptions,
  path = '/contacts',
): Array<FaultDecision | undefined> {
  const faults = new FaultInjector(createRng(seed));
  faults.set(options);
  return Array.from({ length: N }, () => faults.decide('GET', path, path));
}

function shareOf(list: Array<FaultDecision | undefined>, kind: string | undefined): number {
  return list.filter((d) => d?.kind === kind).length / list.length;
}

describe('FaultInjector', () => {
  it('gives each rate its own band of one draw, so the shares add up', () => {
    const rates = { errorRate: 0.2, hangRate: 0.05, resetRate: 0.1, malformedRate: 0.15 };
    const list = decisions(1, rates);
    // 20 000 draws: a standard deviation under 0.003, so 0.015 is five of them.
    for (const [kind, share] of [
      ['error', 0.2],
      ['hang', 0.05],
      ['reset', 0.1],
      ['malformed', 0.15],
      [undefined, 0.5],
    ] as const) {
      expect(Math.abs(shareOf(list, kind) - share), String(kind)).toBeLessThan(0.015);
    }
    const statuses = new Set(list.filter((d) => d?.kind === 'error').map((d) => d?.status));
    expect(statuses).toEqual(new Set([500, 502, 503]));
  });

  it('repeats exactly for the same seed and differs for another', () => {
    const rates = { errorRate: 0.3, resetRate: 0.1 };
    expect(decisions(5, rates)).toEqual(decisions(5, rates));
    expect(decisions(6, rates)).not.toEqual(decisions(5, rates));
  });

  it('fires a rule with a rate on that share of matching requests only, and stops after times', () => {
    const rule = { kind: 'reset-after', path: '/contact', rate: 0.3 } as const;
    const matching = decisions(2, { rules: [rule] }, '/contact');
    expect(Math.abs(shareOf(matching, 'reset-after') - 0.3)).toBeLessThan(0.015);
    expect(shareOf(decisions(2, { rules: [rule] }, '/contacts'), undefined)).toBe(1);
    const capped = decisions(2, { rules: [{ ...rule, rate: 1, times: 3 }] }, '/contact');
    expect(capped.filter((d) => d !== undefined)).toHaveLength(3);
    expect(capped.slice(0, 3).every((d) => d?.kind === 'reset-after')).toBe(true);
  });
});
