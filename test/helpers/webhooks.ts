import { createHmac, randomBytes } from 'node:crypto';
import { type DocumentNode, print } from 'graphql';

/** A signing secret in HueChat's format. */
export const newSecret = () => `whsec_${randomBytes(16).toString('hex')}`;

let counter = 0;
/** A fresh envelope id per call, so tests never collide in the de-duplication window. */
export const newEventId = () => `evt_test${Date.now().toString(36)}${(counter++).toString(36)}`;

export interface EnvelopeInput {
  id?: string;
  type: string;
  data: unknown;
  organization_id?: string;
  timestamp?: string;
  retry_count?: number;
}

/** SPEC §3.6, as HueChat would serialise it. */
export function envelope(input: EnvelopeInput) {
  return {
    id: input.id ?? newEventId(),
    type: input.type,
    timestamp: input.timestamp ?? new Date().toISOString(),
    retry_count: input.retry_count ?? 0,
    data: input.data,
    organization_id: input.organization_id ?? 'org_demo',
  };
}

/** SPEC §8.3: `t=<s>,v1=<hex HMAC-SHA256 of "t.body">`, computed here independently of the gateway. */
export function sign(secret: string, body: string, timestampS = Math.floor(Date.now() / 1000)) {
  const hex = createHmac('sha256', secret).update(`${timestampS}.${body}`).digest('hex');
  return `t=${timestampS},v1=${hex}`;
}

export interface DeliverOptions {
  secret?: string;
  /** The whole X-HueChat-Signature header; null sends none. Default: signed with `secret` now. */
  signature?: string | null;
  /** The raw body; default JSON of the envelope. */
  body?: string;
}

/** POSTs one delivery to the gateway's receiver as HueChat does. */
export async function deliver(origin: string, payload: unknown, options: DeliverOptions = {}) {
  const body = options.body ?? JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const signature = options.signature === undefined ? sign(options.secret ?? '', body) : options.signature;
  if (signature !== null) headers['x-huechat-signature'] = signature;
  const res = await fetch(`${origin}/webhooks/huechat`, { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, text };
}

export interface SseSubscription<T = Record<string, unknown>> {
  /** The HTTP status of the subscription request. */
  status: number;
  /** The next `next` payload; rejects when the stream ends first. */
  next(): Promise<{
    data?: T | null;
    errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
  }>;
  /** Resolves when the server completes the stream. */
  completed: Promise<void>;
  close(): void;
}

/** Subscribes over GraphQL over SSE (distinct connections), as a browser EventSource would. */
export async function subscribeSse<T = Record<string, unknown>>(
  url: string,
  document: string | DocumentNode,
  variables: Record<string, unknown> = {},
  apiKey: string | null = 'sk_test_sandbox',
): Promise<SseSubscription<T>> {
  const controller = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', 'content-type': 'application/json' };
  if (apiKey !== null) headers['x-api-key'] = apiKey;
  const query = typeof document === 'string' ? document : print(document);
  const res = await fetch(url, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const queue: Array<ReturnType<SseSubscription<T>['next']> extends Promise<infer P> ? P : never> = [];
  const waiters: Array<{ resolve: (v: (typeof queue)[number]) => void; reject: (e: Error) => void }> = [];
  let ended = false;
  let endCompleted!: () => void;
  const completed = new Promise<void>((resolve) => {
    endCompleted = resolve;
  });
  const finish = () => {
    ended = true;
    endCompleted();
    for (const w of waiters.splice(0)) w.reject(new Error('the stream ended'));
  };
  if (res.headers.get('content-type')?.includes('text/event-stream') && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            end = buffer.indexOf('\n\n');
            const lines = frame.split('\n');
            const event = lines
              .find((l) => l.startsWith('event:'))
              ?.slice(6)
              .trim();
            const data = lines
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5).trim())
              .join('\n');
            if (event === 'complete') return finish();
            if (event !== 'next' || !data) continue;
            const payload = JSON.parse(data);
            const waiter = waiters.shift();
            if (waiter) waiter.resolve(payload);
            else queue.push(payload);
          }
        }
      } catch {
        // aborted by close()
      }
      finish();
    })();
  } else {
    const text = await res.text();
    const payload = text ? JSON.parse(text) : {};
    queue.push(payload);
    finish();
  }
  return {
    status: res.status,
    next() {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (ended) return Promise.reject(new Error('the stream ended'));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    completed,
    close: () => controller.abort(),
  };
}

const ALL_EVENTS = [
  'message.received',
  'message.sent',
  'message.delivered',
  'message.read',
  'conversation.created',
  'conversation.updated',
  'conversation.resolved',
  'conversation.assigned',
  'contact.created',
  'contact.updated',
  'contact.deleted',
];

/**
 * Subscribes `receiverUrl` to every event of the key's organisation on the sandbox (SPEC E11), as an
 * operator would on HueChat, and returns the signing secret it answered with.
 */
export async function registerWebhook(
  sandboxUrl: string,
  apiKey: string,
  receiverUrl: string,
): Promise<string> {
  const res = await fetch(`${sandboxUrl}/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    body: JSON.stringify({ url: receiverUrl, events: ALL_EVENTS }),
  });
  const body = (await res.json()) as { signing_secret?: string };
  if (res.status !== 201 || !body.signing_secret)
    throw new Error(`webhook registration failed: ${res.status}`);
  return body.signing_secret;
}

/** Polls `condition` on the event loop until it holds (no fixed sleeps: waits only as long as needed). */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The first message of the first conversation, read straight from the sandbox: a real `data` for events. */
export async function seededMessage(
  sandboxUrl: string,
  apiKey = 'sk_test_sandbox',
): Promise<Record<string, unknown>> {
  const get = (path: string) =>
    fetch(`${sandboxUrl}${path}`, { headers: { 'x-api-key': apiKey } }).then((r) => r.json());
  const conversations = await get('/conversations?limit=1');
  const messages = await get(`/conversation/${conversations.data[0].id}/messages?limit=1`);
  return messages.data[0];
}
