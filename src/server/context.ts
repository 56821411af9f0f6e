import { setMaxListeners } from 'node:events';
import type { YogaInitialContext } from 'graphql-yoga';
import { createDataLayer } from '../data/index.js';
import { gatewayError } from '../errors.js';
import type { LiveEvents } from '../events/index.js';
import type { GatewayContext } from '../schema/context.js';
import type { Telemetry } from '../telemetry/index.js';
import type { CallerContext, UpstreamCallTrace } from '../upstream/call.js';
import type { UpstreamClient } from '../upstream/client.js';

/** `X-API-Key` first, then `Authorization: Bearer` (CONTRACT §2). */
export function apiKeyFrom(headers: Headers): string | undefined {
  const direct = headers.get('x-api-key')?.trim();
  if (direct) return direct;
  const match = /^Bearer\s+(.+)$/i.exec(headers.get('authorization')?.trim() ?? '');
  return match?.[1]?.trim() || undefined;
}

export const WATERFALL_HEADER = 'x-huechat-waterfall';
export type { GatewayContext } from '../schema/context.js';

export interface ContextOptions {
  client: UpstreamClient;
  defaultApiKey: string | undefined;
  waterfall: boolean;
  /** The subscriptions' event source (public endpoint only). */
  live?: LiveEvents;
  /** Observes the REST calls of each request (spans, metrics, access log). */
  telemetry?: Telemetry;
}

/**
 * The request's abort signal as a plain AbortSignal. The server adapter hands out a Proxy-based
 * signal, on which every listener added or removed walks the proxy; a request adds and removes one
 * per REST call (undici, in-flight sharing), so it listens to the adapter's signal once instead.
 */
function plainSignal(signal: AbortSignal): AbortSignal {
  if (signal.aborted) return AbortSignal.abort(signal.reason);
  const controller = new AbortController();
  // Every REST call in flight listens on it (undici adds one listener per call), so more than ten at
  // once is normal here, not a leak; the per-operation call limit bounds them. Left at Node's default,
  // each such request would build, format and print a MaxListenersExceededWarning.
  setMaxListeners(0, controller.signal);
  signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller.signal;
}

/** A new object per request: the data layer, the key and the trace never outlive it. */
export function createContextFactory(options: ContextOptions) {
  return ({ request, req }: YogaInitialContext & { req?: unknown }): GatewayContext => {
    const apiKey = apiKeyFrom(request.headers) ?? options.defaultApiKey;
    if (!apiKey) {
      throw gatewayError(
        'UNAUTHENTICATED',
        'Send a HueChat API key in X-API-Key or Authorization: Bearer',
        undefined,
        401,
      );
    }
    const upstreamCalls: UpstreamCallTrace[] | undefined =
      options.waterfall && request.headers.has(WATERFALL_HEADER) ? [] : undefined;
    const observer = options.telemetry?.of(req);
    observer?.caller(apiKey);
    const caller: CallerContext = {
      apiKey,
      signal: plainSignal(request.signal),
      trace: upstreamCalls ? (call) => upstreamCalls.push(call) : undefined,
      observer,
    };
    return { caller, data: createDataLayer(options.client, caller), upstreamCalls, live: options.live };
  };
}
