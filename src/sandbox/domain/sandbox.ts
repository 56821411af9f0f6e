import { seedOrganization } from '../seed/organization.js';
import { unauthorized } from './errors.js';
import { receiveInbound } from './messaging.js';
import { hashSeed } from './random.js';
import type { Runtime } from './runtime.js';
import { messageJson } from './serialize.js';
import { advanceMessages } from './status.js';
import { OrgStore } from './store.js';
import { Timers } from './time.js';
import {
  type AdvanceTarget,
  DEFAULT_KEYS,
  type EmbedContact,
  type EventType,
  type MessageJson,
  type SandboxKey,
  type SandboxOptions,
} from './types.js';
import { DEFAULT_RETRY_DELAYS, WebhookDispatcher } from './webhooks.js';

/** Checks an option that must be a finite number >= 0. */
export function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}

/**
 * One sandbox's data and what acts on it: keys, organisations, clock, status timers and webhook
 * deliveries. The HTTP layer (with its own request-side state) and the programmatic API both act on it.
 */
export class SandboxState implements Runtime {
  readonly now: () => number;
  readonly embedContact: EmbedContact;
  readonly deliverAfterMs: number;
  readonly readAfterMs: number;
  /** Webhook retries and status timers: cleared by reset and close. */
  readonly timers = new Timers();
  readonly webhooks: WebhookDispatcher;
  readonly keys: SandboxKey[];
  /** PRNG seed: every organisation's stream, and the HTTP layer's fault stream, derive from it. */
  readonly seed: number;
  private orgs = new Map<string, OrgStore>();
  private readonly keyIndex: Map<string, SandboxKey>;
  private readonly seedContacts: number;

  constructor(options: SandboxOptions) {
    this.now = options.now ?? Date.now;
    this.embedContact = options.embedContact ?? 'full';
    this.deliverAfterMs = nonNegative('deliverAfterMs', options.deliverAfterMs ?? 2000);
    this.readAfterMs = nonNegative('readAfterMs', options.readAfterMs ?? 5000);
    this.seed = options.seed ?? 42;
    this.seedContacts = nonNegative('seedContacts', options.seedContacts ?? 200);
    this.keys = (options.keys ?? DEFAULT_KEYS).map((k) => ({
      ...k,
      scopes: k.scopes ? [...k.scopes] : undefined,
    }));
    this.keyIndex = new Map(this.keys.map((k) => [k.key, k]));
    this.webhooks = new WebhookDispatcher({
      now: this.now,
      timers: this.timers,
      retryDelaysMs: options.webhookRetryDelaysMs ?? DEFAULT_RETRY_DELAYS,
      timeoutMs: options.webhookTimeoutMs ?? 10_000,
      log: options.log,
    });
    this.seedAll();
  }

  private seedAll(): void {
    this.orgs = new Map();
    const now = this.now();
    for (const { organizationId } of this.keys) {
      if (this.orgs.has(organizationId)) continue;
      const org = new OrgStore(organizationId, hashSeed(this.seed, organizationId));
      seedOrganization(org, this.seedContacts, now);
      this.orgs.set(organizationId, org);
    }
  }

  emit(org: OrgStore, type: EventType, data: () => unknown): void {
    this.webhooks.emit(org, type, data);
  }

  keyFor(apiKey: string | undefined): SandboxKey | undefined {
    return apiKey === undefined ? undefined : this.keyIndex.get(apiKey);
  }

  /** Every key's organisation is seeded at start and on reset, so this always finds one. */
  orgOf(key: SandboxKey): OrgStore {
    let org = this.orgs.get(key.organizationId);
    if (org === undefined) {
      org = new OrgStore(key.organizationId, hashSeed(this.seed, key.organizationId));
      this.orgs.set(key.organizationId, org);
    }
    return org;
  }

  orgForKey(apiKey: string): OrgStore {
    const key = this.keyFor(apiKey);
    if (key === undefined) throw unauthorized();
    return this.orgOf(key);
  }

  /** Back to the freshly seeded data; webhook attempts in flight and pending timers are dropped. */
  reset(): void {
    this.webhooks.abortAll();
    this.timers.clearAll();
    this.seedAll();
  }

  inbound(apiKey: string, input: unknown): MessageJson {
    const org = this.orgForKey(apiKey);
    return messageJson(receiveInbound(this, org, input));
  }

  advance(apiKey: string, target: AdvanceTarget = {}): number {
    return advanceMessages(this, this.orgForKey(apiKey), target);
  }

  close(): void {
    this.webhooks.close();
    this.timers.clearAll();
  }
}
