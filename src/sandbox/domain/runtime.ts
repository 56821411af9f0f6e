import type { Query } from '../http/pagination.js';
import type { EventType } from './model.js';
import type { OrgStore } from './store.js';
import type { Timers } from './time.js';
import type { EmbedContact, SandboxKey } from './types.js';
import type { WebhookDispatcher } from './webhooks.js';

/** What handlers share: settings that may change at run time, the clock and the event sink. */
export interface Runtime {
  readonly now: () => number;
  readonly embedContact: EmbedContact;
  readonly deliverAfterMs: number;
  readonly readAfterMs: number;
  readonly timers: Timers;
  readonly webhooks: WebhookDispatcher;
  emit(org: OrgStore, type: EventType, data: () => unknown): void;
}

export interface RequestContext {
  rt: Runtime;
  org: OrgStore;
  key: SandboxKey;
  /** Decoded path parameters, in pattern order. */
  params: string[];
  query: Query;
  body: unknown;
}

export interface Reply {
  status: number;
  /** Omitted for 204. */
  body?: unknown;
}

export type Handler = (ctx: RequestContext) => Reply;
