import { z } from 'zod';
import type { Rng } from '../domain/random.js';
import type { FaultOptions, FaultRule } from '../domain/types.js';

export const DEFAULT_HANG_MS = 60_000;
const SERVER_ERRORS = [500, 502, 503] as const;

const rate = z.number().min(0).max(1);
const ruleSchema = z.object({
  kind: z.enum(['error', 'hang', 'reset', 'reset-after', 'malformed', 'status']),
  status: z.number().int().min(100).max(599).optional(),
  method: z.string().min(1).optional(),
  path: z.string().min(1).optional(),
  rate: rate.optional(),
  times: z.number().int().min(0).optional(),
});

/** The control route takes FaultOptions as they are (camelCase) and, for curl users, snake_case too. */
const optionsSchema = z
  .object({
    errorRate: rate.optional(),
    hangRate: rate.optional(),
    resetRate: rate.optional(),
    malformedRate: rate.optional(),
    hangMs: z.number().int().min(0).optional(),
    rules: z.array(ruleSchema).optional(),
    error_rate: rate.optional(),
    hang_rate: rate.optional(),
    reset_rate: rate.optional(),
    malformed_rate: rate.optional(),
    hang_ms: z.number().int().min(0).optional(),
  })
  .strict();

export function parseFaultOptions(input: unknown): FaultOptions {
  const result = optionsSchema.safeParse(input ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.map(String).join('.') || 'faults';
    throw new TypeError(`Invalid fault option ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const o = result.data;
  const options: FaultOptions = {};
  const set = (key: 'errorRate' | 'hangRate' | 'resetRate' | 'malformedRate' | 'hangMs', value?: number) => {
    if (value !== undefined) options[key] = value;
  };
  set('errorRate', o.errorRate ?? o.error_rate);
  set('hangRate', o.hangRate ?? o.hang_rate);
  set('resetRate', o.resetRate ?? o.reset_rate);
  set('malformedRate', o.malformedRate ?? o.malformed_rate);
  set('hangMs', o.hangMs ?? o.hang_ms);
  if (o.rules !== undefined) options.rules = o.rules.map((rule) => ({ ...rule }));
  return options;
}

export interface FaultDecision {
  kind: FaultRule['kind'];
  status: number;
}

function pathMatches(pattern: string, rawPath: string, decodedPath: string): boolean {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return rawPath.startsWith(prefix) || decodedPath.startsWith(prefix);
  }
  return rawPath === pattern || decodedPath === pattern;
}

/** Decides per request, with its own seeded stream so a fault run repeats for the same request order. */
export class FaultInjector {
  private options: FaultOptions = {};
  private hits: number[] = [];
  private active = false;

  constructor(private readonly rng: Rng) {}

  set(options: FaultOptions): void {
    this.options = parseFaultOptions(options);
    this.hits = (this.options.rules ?? []).map(() => 0);
    const o = this.options;
    this.active =
      (o.rules?.length ?? 0) > 0 ||
      (o.errorRate ?? 0) > 0 ||
      (o.hangRate ?? 0) > 0 ||
      (o.resetRate ?? 0) > 0 ||
      (o.malformedRate ?? 0) > 0;
  }

  get(): FaultOptions {
    return { ...this.options, rules: (this.options.rules ?? []).map((rule) => ({ ...rule })) };
  }

  get hangMs(): number {
    return this.options.hangMs ?? DEFAULT_HANG_MS;
  }

  /** `path` is the part after /v2, without the query. */
  decide(method: string, rawPath: string, decodedPath: string): FaultDecision | undefined {
    if (!this.active) return undefined;
    const rules = this.options.rules ?? [];
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i];
      if (rule.times !== undefined && this.hits[i] >= rule.times) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (rule.path !== undefined && !pathMatches(rule.path, rawPath, decodedPath)) continue;
      if (rule.rate !== undefined && this.rng() >= rule.rate) continue;
      this.hits[i]++;
      const status = rule.kind === 'malformed' ? 200 : (rule.status ?? 500);
      return { kind: rule.kind, status };
    }
    const o = this.options;
    // One draw split into bands, so the rates are shares of all requests.
    let roll = this.rng();
    const bands: Array<[FaultRule['kind'], number | undefined]> = [
      ['error', o.errorRate],
      ['hang', o.hangRate],
      ['reset', o.resetRate],
      ['malformed', o.malformedRate],
    ];
    for (const [kind, share] of bands) {
      roll -= share ?? 0;
      if (roll < 0) {
        const status = kind === 'error' ? SERVER_ERRORS[Math.floor(this.rng() * SERVER_ERRORS.length)] : 200;
        return { kind, status };
      }
    }
    return undefined;
  }
}
