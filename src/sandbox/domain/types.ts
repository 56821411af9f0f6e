// The sandbox's public types (index.ts re-exports them), its default keys and the SPEC vocabularies.

/** An API key the sandbox accepts. */
export interface SandboxKey {
  /** The key string clients send, e.g. `sk_test_sandbox`. */
  key: string;
  /** `org_…`; each organisation has its own, separately seeded data. */
  organizationId: string;
  /** `undefined` = Full Access; otherwise SPEC §2 scopes (`contacts:read`, …). */
  scopes?: string[];
  /** Requests per fixed 60 s window; `undefined` = unlimited (test keys are "free and unlimited"). */
  rateLimitPerMinute?: number;
}

/** The interface's default keys: two organisations, and a read-only key on the first. */
export const DEFAULT_KEYS: readonly SandboxKey[] = [
  { key: 'sk_test_sandbox', organizationId: 'org_demo' },
  { key: 'sk_test_other', organizationId: 'org_other' },
  { key: 'sk_test_readonly', organizationId: 'org_demo', scopes: ['contacts:read', 'conversations:read'] },
];

/**
 * A targeted fault, checked before the random rates. `reset-after` handles the request as usual (a
 * write is applied) and then drops the connection instead of answering: a lost response, which a
 * client must not retry blindly.
 */
export interface FaultRule {
  kind: 'error' | 'hang' | 'reset' | 'reset-after' | 'malformed' | 'status';
  /** For `error` (default 500) and `status` (any status, SPEC error body). */
  status?: number;
  /** Only requests with this method. */
  method?: string;
  /** Path after `/v2` without the query: exact, or a prefix when it ends with `*`. Raw or decoded form. */
  path?: string;
  /** Probability 0..1 per matching request (default 1). */
  rate?: number;
  /** Stop after this many hits (default unlimited). */
  times?: number;
}

export interface FaultOptions {
  /** Share of requests answered 500/502/503 with a SPEC error body. Default 0. */
  errorRate?: number;
  /** Share of requests never answered (held until the client gives up or `hangMs` passes). Default 0. */
  hangRate?: number;
  /** Share of requests whose socket is destroyed without an answer. Default 0. */
  resetRate?: number;
  /** Share answered 200 with a body that is not valid JSON. Default 0. */
  malformedRate?: number;
  /** How long a hang lasts before the socket is destroyed (default 60_000); `close()` ends them all. */
  hangMs?: number;
  /** Targeted faults, checked before the rates. */
  rules?: FaultRule[];
}

export type EmbedContact = 'full' | 'summary' | 'none';

export interface SandboxOptions {
  /** Default 4010; 0 = a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** PRNG seed, default 42. Same seed => same ids and content. */
  seed?: number;
  /** Contacts per organisation, default 200 (0 = empty store). */
  seedContacts?: number;
  /** Default: `sk_test_sandbox`, `sk_test_other`, `sk_test_readonly` (see DEFAULT_KEYS). */
  keys?: SandboxKey[];
  /** Added to every /v2 response, default 0. */
  latencyMs?: number;
  /** Plus uniform random 0..jitterMs, default 0. */
  jitterMs?: number;
  faults?: FaultOptions;
  /** `conversation.contact`: full Contact (default, SPEC G9), `{id, full_name, phone}`, or absent. */
  embedContact?: EmbedContact;
  /** sent -> delivered after this long (default 2000). */
  deliverAfterMs?: number;
  /** delivered -> read this long after sending (default 5000). */
  readAfterMs?: number;
  /** Retry spacing per policy; its length is the number of retries (default SPEC §8.2: 5 retries). */
  webhookRetryDelaysMs?: { exponential: number[]; linear: number[] };
  /** A webhook attempt without a 2xx answer within this long counts as failed (default 10_000). */
  webhookTimeoutMs?: number;
  /** Clock in epoch ms (default `Date.now`); tests move time with it. */
  now?: () => number;
  /** Default: silent. */
  log?: (line: string) => void;
  /** Log one line per /v2 request through `log` (default false: the benchmark runs thousands per second). */
  logRequests?: boolean;
  /** The request log keeps at most this many entries, dropping the oldest (default 100_000). */
  maxRecordedRequests?: number;
}

export interface RecordedRequest {
  method: string;
  /** Path as received, without the query string, e.g. `/v2/contact/%2B1415…`. */
  path: string;
  query: Record<string, string>;
  apiKey: string | undefined;
  organizationId: string | undefined;
  /** 0 when the socket was reset or the request hung. */
  status: number;
  fault?: FaultRule['kind'];
  /** performance.now() ms: tests check concurrency with them. */
  startedAt: number;
  finishedAt: number;
}

export type Channel = 'whatsapp' | 'instagram' | 'sms' | 'email';
export type MessageType = 'text' | 'template' | 'image' | 'document';
export type MessageStatus = 'sent' | 'delivered' | 'read' | 'failed';

export const CHANNELS = ['whatsapp', 'instagram', 'sms', 'email'] as const satisfies readonly Channel[];
export const MESSAGE_TYPES = [
  'text',
  'template',
  'image',
  'document',
] as const satisfies readonly MessageType[];
export const CONVERSATION_STATUSES = ['open', 'closed', 'archived'] as const;
export const PRIORITIES = ['low', 'medium', 'high'] as const;
export const CONTACT_STATUSES = ['active', 'inactive'] as const;
export const EVENT_TYPES = [
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
] as const;
export const SCOPES = [
  'contacts:read',
  'contacts:write',
  'conversations:read',
  'conversations:write',
  'channels:read',
  'channels:write',
  'webhooks:manage',
  'admin:read',
  'admin:write',
] as const;

export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];
export type ContactStatus = (typeof CONTACT_STATUSES)[number];
export type EventType = (typeof EVENT_TYPES)[number];
export type Scope = (typeof SCOPES)[number];

/** A Message as the REST API returns it (SPEC §3.4). */
export interface MessageJson {
  id: string;
  conversation_id: string;
  contact_id: string;
  channel: Channel;
  message_type: MessageType;
  content: string;
  status: MessageStatus;
  sent_by: 'user' | 'contact' | 'system';
  sender: { id: string; name: string } | null;
  sent_at: string;
  delivered_at: string | null;
  read_at: string | null;
  error: string | null;
  media_url?: string;
  caption?: string | null;
  filename?: string | null;
}

export interface InboundInput {
  contact_id: string;
  channel: string;
  content: string;
  message_type?: string;
}

export interface AdvanceTarget {
  message_id?: string;
  conversation_id?: string;
  /** Default: one step (sent -> delivered, delivered -> read). */
  to?: 'delivered' | 'read' | 'failed';
}

export interface Sandbox {
  /** Base URL including /v2, e.g. `http://127.0.0.1:4010/v2`. */
  readonly url: string;
  /** `http://127.0.0.1:4010`. */
  readonly origin: string;
  readonly port: number;
  readonly keys: SandboxKey[];
  /** Every /v2 request, oldest first (not /_sandbox/ routes). */
  readonly requests: readonly RecordedRequest[];
  clearRequests(): void;
  /** Back to the freshly seeded state, request log cleared, faults kept. */
  reset(): void;
  setLatency(latencyMs: number, jitterMs?: number): void;
  /** Replaces the current fault settings. */
  setFaults(faults: FaultOptions): void;
  /** Simulates a customer's message; throws an ApiError like the REST route would answer. */
  inbound(apiKey: string, input: InboundInput): MessageJson;
  /** Forces status progression; returns the number of messages changed. */
  advance(apiKey: string, target?: AdvanceTarget): number;
  /** Closes the server, destroys open sockets, clears timers. */
  close(): Promise<void>;
}
