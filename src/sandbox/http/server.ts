import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { ApiError, forbidden, notFound, rateLimited, statusError, unauthorized } from '../domain/errors.js';
import type { SandboxState } from '../domain/sandbox.js';
import type { RecordedRequest, SandboxKey } from '../domain/types.js';
import { handleControl } from './control.js';
import type { FaultDecision } from './faults.js';
import type { Reply } from './handler.js';
import type { RateState } from './ratelimit.js';
import {
  decodeSegment,
  newRequestId,
  parseJson,
  parseUrl,
  type Query,
  readApiKey,
  readBody,
} from './request.js';
import { rateHeaders, sendError, sendJson } from './response.js';
import { matchRoute } from './router.js';
import type { Traffic } from './traffic.js';

/** A 200 whose body is cut off mid-object: what a proxy truncating a response looks like. */
const MALFORMED_BODY = '{"data":[{"id":"cnt_';

function sleep(traffic: Traffic, ms: number): Promise<void> {
  return new Promise((resolve) => traffic.requestTimers.set(resolve, ms));
}

export function createRequestHandler(
  state: SandboxState,
  traffic: Traffic,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = newRequestId();
    res.setHeader('X-Request-Id', requestId);
    const { path, query } = parseUrl(req.url ?? '/');
    let work: Promise<void> | undefined;
    try {
      if (path === '/v2' || path.startsWith('/v2/'))
        work = handleApi(state, traffic, req, res, requestId, path, query);
      else if (path.startsWith('/_sandbox/')) work = handleControl(state, traffic, req, res, requestId, path);
      else sendError(res, notFound('route', path), requestId, state.now());
    } catch (err) {
      fail(state, traffic, res, requestId, err);
    }
    work?.catch((err: unknown) => fail(state, traffic, res, requestId, err));
  };
}

function fail(
  state: SandboxState,
  traffic: Traffic,
  res: ServerResponse,
  requestId: string,
  err: unknown,
): void {
  if (err instanceof ApiError) {
    sendError(res, err, requestId, state.now());
    return;
  }
  if (res.destroyed) return;
  traffic.log?.(
    `sandbox error ${requestId}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
  );
  sendError(res, statusError(500), requestId, state.now());
}

async function handleApi(
  state: SandboxState,
  traffic: Traffic,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  path: string,
  query: Query,
): Promise<void> {
  const method = req.method ?? 'GET';
  const apiKey = readApiKey(req);
  const key = state.keyFor(apiKey);
  const startedAt = performance.now();
  const entry: RecordedRequest = {
    method,
    path,
    query,
    apiKey,
    organizationId: key?.organizationId,
    status: 0,
    startedAt,
    finishedAt: startedAt,
  };
  traffic.record(entry);
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    entry.status = status;
    entry.finishedAt = performance.now();
    if (traffic.logRequests) {
      const fault = entry.fault === undefined ? '' : ` [fault: ${entry.fault}]`;
      traffic.log?.(
        `${method} ${req.url ?? path} ${status || '-'} ${(entry.finishedAt - startedAt).toFixed(1)}ms${fault}`,
      );
    }
  };
  res.once('finish', () => finish(res.statusCode));
  res.once('close', () => finish(res.headersSent ? res.statusCode : 0));

  const rawSub = path.slice(3) || '/';
  const fault = traffic.faults.decide(method, rawSub, decodeSegment(rawSub));
  if (fault !== undefined) entry.fault = fault.kind;
  if (fault?.kind === 'reset') {
    req.socket.destroy();
    return;
  }
  // SPEC §7: rate-limit headers on every answer, so an error raised before routing (a 413 while the
  // body is read) counts and carries them too; a request counts once, when it is first answered.
  let rate: RateState | undefined;
  const rated = (now: number): RateState => {
    if (rate === undefined) {
      rate =
        key === undefined
          ? traffic.rateLimiter.anonymous(now)
          : traffic.rateLimiter.hit(key.key, key.rateLimitPerMinute, now);
      rateHeaders(res, rate);
    }
    return rate;
  };
  try {
    const call: ApiCall = {
      state,
      traffic,
      req,
      res,
      requestId,
      path,
      rawSub,
      query,
      key,
      apiKey,
      fault,
      rated,
    };
    const reply = await answerApi(call);
    if (reply === undefined) return;
    // The write is applied and its answer lost: what a client sees when a proxy drops the connection.
    if (fault?.kind === 'reset-after') {
      req.socket.destroy();
      return;
    }
    sendJson(res, reply.status, reply.body);
  } catch (err) {
    if (fault?.kind === 'reset-after') {
      req.socket.destroy();
      return;
    }
    if (!res.headersSent && !res.destroyed) rated(state.now());
    throw err;
  }
}

interface ApiCall {
  state: SandboxState;
  traffic: Traffic;
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  path: string;
  /** The path after /v2, still encoded. */
  rawSub: string;
  query: Query;
  key: SandboxKey | undefined;
  apiKey: string | undefined;
  fault: FaultDecision | undefined;
  /** Counts the request against its key's window (once) and sets the rate-limit headers. */
  rated: (now: number) => RateState;
}

/** Everything after the fault decision; `undefined` when the answer was already sent or never will be. */
async function answerApi(call: ApiCall): Promise<Reply | undefined> {
  const { state, traffic, req, res, requestId, path, rawSub, query, key, apiKey, fault, rated } = call;
  const method = req.method ?? 'GET';
  const text = method === 'POST' || method === 'PUT' || method === 'PATCH' ? await readBody(req) : '';
  const delay = traffic.delay();
  if (delay > 0) await sleep(traffic, delay);
  if (res.destroyed) return undefined;
  if (fault?.kind === 'hang') {
    // Held until the client gives up (its close ends the entry) or hangMs passes.
    const timer = traffic.requestTimers.set(() => req.socket.destroy(), traffic.faults.hangMs);
    res.once('close', () => traffic.requestTimers.clear(timer));
    return undefined;
  }

  const now = state.now();
  const rate = rated(now);
  if (fault !== undefined && fault.kind !== 'reset-after') {
    if (fault.kind === 'malformed') sendJson(res, 200, MALFORMED_BODY);
    else sendError(res, statusError(fault.status), requestId, now);
    return undefined;
  }
  if (key === undefined) {
    throw unauthorized(apiKey === undefined ? 'Missing API key: send X-API-Key' : 'Invalid API key');
  }
  if (rate.retryAfter !== undefined) throw rateLimited(rate.retryAfter);

  const segments = rawSub.split('/').slice(1);
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const match = matchRoute(method, segments.map(decodeSegment));
  if (match === undefined) throw notFound('route', `${method} ${path}`);
  if ('allowed' in match) {
    res.setHeader('Allow', match.allowed.join(', '));
    throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`, {
      allowed_methods: match.allowed,
    });
  }
  const { route, params } = match;
  if (key.scopes !== undefined && !key.scopes.includes(route.scope)) throw forbidden(route.scope, key.scopes);
  return route.handler({
    rt: state,
    org: state.orgOf(key),
    key,
    params,
    query,
    body: parseJson(text),
  });
}
