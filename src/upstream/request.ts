import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { Call, UpstreamCallTrace } from './call.js';
import { transportFailure, UpstreamError, type UpstreamErrorInit, type UpstreamErrorKind } from './errors.js';

/** One attempt of a call: the HTTP exchange, the parsed body or an UpstreamError. */
export type Attempt = (call: Call, attempt: number) => Promise<unknown>;

// Each field on its own: one odd field (say, details as an array) must not hide the others.
const errorBodySchema = z.object({
  error: z.string().optional().catch(undefined),
  message: z.string().optional().catch(undefined),
  details: z.record(z.string(), z.unknown()).nullish().catch(undefined),
  request_id: z.string().optional().catch(undefined),
  retry_after: z.number().optional().catch(undefined),
});

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function parseRemaining(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,9}$/.test(value.trim()) ? Number(value.trim()) : undefined;
}

/**
 * The request unit: sends one attempt through the dispatcher, always reads the body to the end, parses a
 * success with the call's zod schema (the one place upstream JSON is parsed) and turns every failure into
 * an UpstreamError. Each attempt is reported to the caller's trace.
 */
export function createRequest(dispatcher: Dispatcher): Attempt {
  return async ({ caller, spec, path }, attempt) => {
    const { method, route } = spec;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'x-api-key': caller.apiKey,
      'user-agent': 'huechat-gateway',
    };
    const observed = caller.observer?.attempt(method, route, attempt, headers);
    const startedAt = performance.now();
    let status: number | undefined;
    let rateLimitRemaining: number | undefined;
    const finish = (outcome: UpstreamCallTrace['outcome']) => {
      if (!caller.trace && !observed) return;
      const call: UpstreamCallTrace = {
        method,
        route,
        status,
        startedAt,
        durationMs: performance.now() - startedAt,
        attempt,
        outcome,
      };
      if (rateLimitRemaining !== undefined) call.rateLimitRemaining = rateLimitRemaining;
      caller.trace?.(call);
      observed?.(call);
    };
    const fail = (kind: UpstreamErrorKind, extra: Partial<UpstreamErrorInit> = {}) => {
      finish(kind);
      return new UpstreamError({ kind, method, route, status, ...extra });
    };

    let body: string | undefined;
    if (spec.body !== undefined) {
      body = JSON.stringify(spec.body);
      headers['content-type'] = 'application/json';
    }

    let text: string;
    let retryAfterHeader: string | undefined;
    let requestIdHeader: string | undefined;
    try {
      const res = await dispatcher.request({ method, path, headers, body, signal: caller.signal });
      status = res.statusCode;
      retryAfterHeader = first(res.headers['retry-after']);
      requestIdHeader = first(res.headers['x-request-id']);
      if (observed) rateLimitRemaining = parseRemaining(first(res.headers['x-ratelimit-remaining']));
      text = await res.body.text();
    } catch (err) {
      throw fail(transportFailure(err, caller.signal), { cause: err });
    }

    if (status >= 200 && status < 300) {
      if (spec.schema === null) {
        finish('ok');
        return undefined;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw fail('bad_response', { cause: err, requestId: requestIdHeader });
      }
      const parsed = spec.schema.safeParse(json);
      if (!parsed.success) throw fail('bad_response', { cause: parsed.error, requestId: requestIdHeader });
      finish('ok');
      return parsed.data;
    }

    let errorBody: z.infer<typeof errorBodySchema> | undefined;
    try {
      const parsed = errorBodySchema.safeParse(JSON.parse(text));
      if (parsed.success) errorBody = parsed.data;
    } catch {
      // A proxy's HTML error page: the status alone still says what happened.
    }
    const retryAfter =
      status === 429 ? (parseRetryAfter(retryAfterHeader) ?? errorBody?.retry_after ?? undefined) : undefined;
    throw fail(status === 429 ? 'rate_limited' : 'http', {
      error: errorBody?.error,
      upstreamMessage: errorBody?.message,
      details: errorBody?.details ?? undefined,
      requestId: errorBody?.request_id ?? requestIdHeader,
      retryAfter,
    });
  };
}
