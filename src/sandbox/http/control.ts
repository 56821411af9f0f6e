import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { ApiError, invalidInput, notFound, unauthorized } from '../domain/errors.js';
import type { SandboxState } from '../domain/sandbox.js';
import { parseBody } from '../domain/validation.js';
import { parseFaultOptions } from './faults.js';
import { parseJson, readApiKey, readBody } from './request.js';
import { sendError, sendJson } from './response.js';
import type { Traffic } from './traffic.js';

const advanceBody = z.object({
  message_id: z.string().min(1).optional(),
  conversation_id: z.string().min(1).optional(),
  to: z.enum(['delivered', 'read', 'failed']).optional(),
});

const latencyBody = z.object({
  latency_ms: z.number().int().min(0).optional(),
  jitter_ms: z.number().int().min(0).optional(),
  latencyMs: z.number().int().min(0).optional(),
  jitterMs: z.number().int().min(0).optional(),
});

function requireKey(state: SandboxState, req: IncomingMessage): string {
  const apiKey = readApiKey(req);
  if (apiKey === undefined || state.keyFor(apiKey) === undefined) throw unauthorized();
  return apiKey;
}

/**
 * /_sandbox/ routes: never recorded, never delayed or faulted. Those that act on an organisation's
 * data take the same key header as /v2; the rest act on the whole sandbox and need none.
 */
export async function handleControl(
  state: SandboxState,
  traffic: Traffic,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  path: string,
): Promise<void> {
  const method = req.method ?? 'GET';
  const route = path.slice('/_sandbox'.length).replace(/\/$/, '');
  const text = method === 'POST' || method === 'PUT' ? await readBody(req) : '';
  const body = () => parseJson(text);
  const latency = () => ({ latency_ms: traffic.latencyMs, jitter_ms: traffic.jitterMs });

  switch (`${method} ${route}`) {
    case 'GET /health':
      return sendJson(res, 200, { ok: true });
    case 'POST /reset':
      state.reset();
      traffic.reset();
      return sendJson(res, 200, { ok: true });
    case 'POST /inbound': {
      const apiKey = requireKey(state, req);
      return sendJson(res, 201, state.inbound(apiKey, body()));
    }
    case 'POST /advance': {
      const apiKey = requireKey(state, req);
      const target = parseBody(advanceBody, body());
      return sendJson(res, 200, { advanced: state.advance(apiKey, target) });
    }
    case 'GET /faults':
      return sendJson(res, 200, traffic.faults.get());
    case 'PUT /faults': {
      try {
        traffic.setFaults(parseFaultOptions(body()));
      } catch (err) {
        if (err instanceof TypeError) throw invalidInput('faults', err.message, null, 'FaultOptions');
        throw err;
      }
      return sendJson(res, 200, traffic.faults.get());
    }
    case 'GET /latency':
      return sendJson(res, 200, latency());
    case 'PUT /latency': {
      const input = parseBody(latencyBody, body());
      // Either field alone changes only itself: a latency tweak must not silently drop the jitter.
      traffic.setLatency(
        input.latency_ms ?? input.latencyMs ?? traffic.latencyMs,
        input.jitter_ms ?? input.jitterMs ?? traffic.jitterMs,
      );
      return sendJson(res, 200, latency());
    }
    case 'GET /requests':
      return sendJson(res, 200, { data: traffic.requests });
    case 'DELETE /requests':
      traffic.requests = [];
      return sendJson(res, 204, undefined);
    case 'GET /agents': {
      const org = state.orgForKey(requireKey(state, req));
      return sendJson(res, 200, { data: [...org.agents.values()] });
    }
    default:
      if (
        ['/health', '/reset', '/inbound', '/advance', '/faults', '/latency', '/requests', '/agents'].includes(
          route,
        )
      ) {
        throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}`);
      }
      sendError(res, notFound('route', path), requestId, state.now());
  }
}
