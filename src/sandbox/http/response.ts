import type { ServerResponse } from 'node:http';
import type { ApiError, Details } from '../domain/errors.js';
import { iso } from '../domain/time.js';
import type { RateState } from './ratelimit.js';

/** SPEC §3.8: the body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  code: number;
  details?: Details;
  request_id: string;
  timestamp: string;
  retry_after?: number;
}

export function errorBody(err: ApiError, requestId: string, now: number): ErrorBody {
  return {
    error: err.code,
    message: err.message,
    code: err.status,
    ...(err.details === undefined ? {} : { details: err.details }),
    request_id: requestId,
    timestamp: iso(now),
    ...(err.retryAfter === undefined ? {} : { retry_after: err.retryAfter }),
  };
}

export function rateHeaders(res: ServerResponse, rate: RateState): void {
  res.setHeader('X-RateLimit-Limit', rate.limit);
  res.setHeader('X-RateLimit-Remaining', rate.remaining);
  res.setHeader('X-RateLimit-Reset', rate.reset);
}

/** A string body goes out as is: that is how the malformed-response fault sends broken JSON. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string | number>,
): void {
  if (res.destroyed || res.headersSent) return;
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, err: ApiError, requestId: string, now: number): void {
  const headers: Record<string, string | number> = {};
  if (err.retryAfter !== undefined) headers['Retry-After'] = err.retryAfter;
  sendJson(res, err.status, errorBody(err, requestId, now), headers);
}
