import { createHmac } from 'node:crypto';
import { type ClientRequest, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { randomId, unseeded } from './random.js';
import type { WebhookRecord } from './records.js';
import type { OrgStore } from './store.js';
import { iso, MINUTE, type Timers } from './time.js';
import type { EventType } from './types.js';

/** SPEC §8.2 [rec]: five retries, exponential 1 m, 5 m, 30 m, 2 h, 6 h or linear every 10 m. */
export const DEFAULT_RETRY_DELAYS = {
  exponential: [MINUTE, 5 * MINUTE, 30 * MINUTE, 120 * MINUTE, 360 * MINUTE],
  linear: [10 * MINUTE, 10 * MINUTE, 10 * MINUTE, 10 * MINUTE, 10 * MINUTE],
};

export interface WebhookSettings {
  now: () => number;
  timers: Timers;
  retryDelaysMs: { exponential: number[]; linear: number[] };
  timeoutMs: number;
  log?: (line: string) => void;
}

interface Envelope {
  id: string;
  type: EventType;
  timestamp: string;
  data: unknown;
  organization_id: string;
}

/** SPEC §8.3 [rec]: `t=<unix s>,v1=<hex HMAC-SHA256 of "t.body" keyed with the whole whsec_ secret>`. */
export function signature(secret: string, timestamp: number, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${digest}`;
}

/** Real POSTs to subscribers, with retries; `close()` aborts the ones in flight. */
export class WebhookDispatcher {
  private readonly inFlight = new Set<ClientRequest>();
  private closed = false;
  /** Bumped by abortAll so callbacks of aborted attempts never schedule retries into a reset store. */
  private generation = 0;

  constructor(private readonly settings: WebhookSettings) {}

  /** `data` is a thunk so an event nobody subscribed to costs nothing to serialise. */
  emit(org: OrgStore, type: EventType, data: () => unknown): void {
    if (this.closed || org.webhooks.size === 0) return;
    let envelope: Envelope | undefined;
    for (const hook of org.webhooksOldestFirst()) {
      if (!hook.active || !hook.events.includes(type)) continue;
      envelope ??= {
        id: randomId(unseeded, 'evt_'),
        type,
        timestamp: iso(this.settings.now()),
        data: data(),
        organization_id: org.organizationId,
      };
      this.attempt(org, hook, envelope, 0);
    }
  }

  private attempt(org: OrgStore, hook: WebhookRecord, envelope: Envelope, retryCount: number): void {
    if (this.closed) return;
    // The same event id on every attempt; retry_count says how many came before (SPEC §3.6).
    const body = JSON.stringify({
      id: envelope.id,
      type: envelope.type,
      timestamp: envelope.timestamp,
      retry_count: retryCount,
      data: envelope.data,
      organization_id: envelope.organization_id,
    });
    const timestamp = Math.floor(this.settings.now() / 1000);
    let settled = false;
    const generation = this.generation;
    const done = (ok: boolean, why: string) => {
      if (settled || generation !== this.generation) return;
      settled = true;
      this.settings.log?.(
        `webhook ${envelope.type} ${envelope.id} -> ${hook.url} attempt ${retryCount + 1}: ${ok ? 'ok' : why}`,
      );
      if (!ok) this.scheduleRetry(org, hook, envelope, retryCount);
    };
    let url: URL;
    try {
      url = new URL(hook.url);
    } catch {
      done(false, 'invalid url');
      return;
    }
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // agent: false gives each attempt its own connection, so nothing lingers after close().
    const req = send(url, {
      method: 'POST',
      agent: false,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        'User-Agent': 'HueChat-Sandbox-Webhooks/2.0',
        'X-HueChat-Event': envelope.type,
        'X-HueChat-Delivery': envelope.id,
        'X-HueChat-Signature': signature(hook.signingSecret, timestamp, body),
      },
    });
    this.inFlight.add(req);
    const timer = this.settings.timers.set(() => req.destroy(new Error('timeout')), this.settings.timeoutMs);
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      res.on('end', () => {
        this.settings.timers.clear(timer);
        done(status >= 200 && status < 300, `status ${status}`);
      });
      res.on('error', () => undefined);
    });
    req.on('error', (err) => done(false, err.message));
    req.on('close', () => {
      this.inFlight.delete(req);
      this.settings.timers.clear(timer);
      done(false, 'connection closed');
    });
    req.end(body);
  }

  private scheduleRetry(org: OrgStore, hook: WebhookRecord, envelope: Envelope, retryCount: number): void {
    const delays = this.settings.retryDelaysMs[hook.retryPolicy];
    if (this.closed || retryCount >= delays.length) return;
    this.settings.timers.set(() => {
      // A subscription deleted or paused since the first attempt gets no more retries.
      if (org.webhooks.get(hook.id) !== hook || !hook.active) return;
      this.attempt(org, hook, envelope, retryCount + 1);
    }, delays[retryCount]);
  }

  /** Drops in-flight attempts (reset keeps the dispatcher usable; close ends it for good). */
  abortAll(): void {
    this.generation++;
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
  }

  close(): void {
    this.closed = true;
    this.abortAll();
  }
}
