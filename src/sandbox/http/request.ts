import type { IncomingMessage } from 'node:http';
import { ApiError } from '../domain/errors.js';
import { randomId, unseeded } from '../domain/random.js';

/** The query string's parameters; a repeated one keeps its last value. */
export type Query = Record<string, string>;

const MAX_BODY_BYTES = 1_000_000;

export function parseUrl(url: string): { path: string; query: Query } {
  const q = url.indexOf('?');
  if (q === -1) return { path: url, query: {} };
  return { path: url.slice(0, q), query: Object.fromEntries(new URLSearchParams(url.slice(q + 1))) };
}

export function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export function newRequestId(): string {
  return randomId(unseeded, 'req_');
}

/** X-API-Key wins over `Authorization: Bearer` when both are sent (SPEC G12). */
export function readApiKey(req: IncomingMessage): string | undefined {
  const header = req.headers['x-api-key'];
  const key = Array.isArray(header) ? header[0] : header;
  if (key !== undefined && key !== '') return key;
  const auth = req.headers.authorization;
  if (auth === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return match?.[1];
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        if (!done) reject(new ApiError(413, 'payload_too_large', 'Request body is larger than 1 MB'));
        done = true;
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks).toString('utf8'));
      done = true;
    });
    req.on('error', (err) => {
      if (!done) reject(err);
      done = true;
    });
    req.on('close', () => {
      if (!done) reject(new Error('request closed before its body ended'));
      done = true;
    });
  });
}

/** SPEC §1 [rec]: a JSON body is accepted even without a Content-Type; an empty one reads as `{}`. */
export function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_input', 'Request body is not valid JSON', {
      field: 'body',
      reason: 'invalid JSON',
      received: text.length > 200 ? `${text.slice(0, 200)}…` : text,
      expected: 'JSON object',
    });
  }
}
