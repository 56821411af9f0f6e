import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { EventBus } from './bus.js';
import type { Deduplicator } from './dedup.js';
import { type Envelope, envelopeSchema, eventOf, type HueChatEvent } from './envelope.js';
import { type SignatureCheck, verifySignature } from './signature.js';

export const WEBHOOK_ENDPOINT = '/webhooks/huechat';
/** CONTRACT §8: larger deliveries are answered 413 without being read further. */
export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export type DeliveryOutcome =
  | 'accepted'
  | 'duplicate'
  | 'dropped'
  | 'unauthorized'
  | 'bad_request'
  | 'too_large'
  | 'method_not_allowed';

export interface ReceiverOptions extends SignatureCheck {
  dedup: Deduplicator;
  bus: EventBus;
  logger: Logger;
  /** Runs for each accepted event before HueChat gets its answer (invalidation of what it made stale). */
  onAccepted?: (event: HueChatEvent) => void;
  /** Each delivery's outcome, for metrics and tests. */
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new TooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new TooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/**
 * `POST /webhooks/huechat` (CONTRACT §8): the signature over the raw bytes first, then the envelope,
 * then the event id against duplicates; only then is anything kept or published. 204 for an accepted
 * event and for a duplicate; 401 for any signature problem; 400 for a signed body that is not an
 * envelope; 413 past 1 MiB. An envelope of an unknown type, or whose data breaks the resource's shape,
 * is answered 204, logged and dropped: HueChat's retries would not mend it.
 */
export function createWebhookReceiver(options: ReceiverOptions) {
  const { logger } = options;
  const answer = (res: ServerResponse, status: number, outcome: DeliveryOutcome, message?: string) => {
    options.onOutcome?.(outcome);
    if (message === undefined) {
      res.writeHead(status).end();
      return;
    }
    const body = JSON.stringify({ error: outcome, message });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return answer(res, 405, 'method_not_allowed', 'Webhook deliveries are POSTed');
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_WEBHOOK_BYTES);
    } catch (err) {
      if (err instanceof TooLarge) {
        res.setHeader('connection', 'close');
        return answer(res, 413, 'too_large', `A delivery may be at most ${MAX_WEBHOOK_BYTES} bytes`);
      }
      if (!res.headersSent) res.destroy();
      return;
    }
    const header = req.headers['x-huechat-signature'];
    const failure = verifySignature(Array.isArray(header) ? header[0] : header, raw, options);
    if (failure) {
      logger.warn('webhook delivery refused: bad signature', { reason: failure });
      return answer(res, 401, 'unauthorized', 'Missing, malformed, stale or wrong X-HueChat-Signature');
    }
    let envelope: Envelope;
    try {
      const parsed = envelopeSchema.safeParse(JSON.parse(raw.toString('utf8')));
      if (!parsed.success) throw parsed.error;
      envelope = parsed.data;
    } catch {
      logger.warn('webhook delivery refused: signed, but not a HueChat event envelope');
      return answer(res, 400, 'bad_request', 'The body is not a HueChat event envelope');
    }
    const parsed = eventOf(envelope);
    if (!parsed.ok) {
      logger.warn('webhook event dropped', {
        eventId: envelope.id,
        eventType: envelope.type,
        reason: parsed.reason,
        detail: parsed.detail,
      });
      return answer(res, 204, 'dropped');
    }
    if (!(await options.dedup.claim(envelope.id))) {
      logger.debug('duplicate webhook delivery', { eventId: envelope.id, retryCount: envelope.retry_count });
      return answer(res, 204, 'duplicate');
    }
    try {
      options.onAccepted?.(parsed.event);
      await options.bus.publish(envelope);
    } catch (err) {
      // Nothing was delivered: give the id back so HueChat's retry is accepted.
      await options.dedup.release(envelope.id);
      logger.error('webhook event could not be published', { eventId: envelope.id, error: err });
      return answer(res, 503, 'dropped', 'The event could not be handed over; retry later');
    }
    logger.debug('webhook event accepted', { eventId: envelope.id, eventType: envelope.type });
    return answer(res, 204, 'accepted');
  };
}
