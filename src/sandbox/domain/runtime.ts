import type { OrgStore } from './store.js';
import type { Timers } from './time.js';
import type { EmbedContact, EventType } from './types.js';
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
