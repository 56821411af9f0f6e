import type { Logger } from '../logger.js';
import type { CallerContext } from '../upstream/call.js';
import type { UpstreamClient } from '../upstream/client.js';
import { contacts } from '../upstream/contacts.js';
import { conversations } from '../upstream/conversations.js';
import { isNotFound } from '../upstream/errors.js';
import { keyHashOf } from '../upstream/sharing.js';
import type { HueChatEvent } from './envelope.js';

/** How long a probe of one resource may take before the event is withheld from that key. */
const PROBE_TIMEOUT_MS = 5_000;
/**
 * How long "this key is not in that organisation" holds: a 404 may also mean the resource was deleted
 * meanwhile, so the answer is asked again after a while rather than kept for good.
 */
const NOT_IN_ORG_TTL_MS = 5 * 60_000;

/**
 * Which organisation a key belongs to, as HueChat says it: never from the client. The first event of
 * an organisation a key has not been placed in yet is checked by reading that event's resource with
 * the key (one REST call per key and organisation): HueChat answers it only to keys of the resource's
 * organisation. A key belongs to one organisation, so once placed, events of any other are refused
 * without a call. Keys are stored as their hash, at most `maxKeys` of each map (the oldest go first).
 */
/** Where instances share what they learnt (Redis with REDIS_URL): key hash -> organisation. */
export interface SharedMembership {
  get(keyHash: string): Promise<string | undefined>;
  set(keyHash: string, organizationId: string): Promise<void>;
}

export class Membership {
  private readonly orgOfKey = new Map<string, string>();
  private readonly notInOrg = new Map<string, number>();
  private readonly probes = new Map<string, Promise<boolean>>();

  constructor(
    private readonly client: UpstreamClient,
    private readonly logger: Logger,
    private readonly shared?: SharedMembership,
    private readonly maxKeys = 10_000,
  ) {}

  /** What is known without a call: true, false, or undefined when HueChat must be asked. */
  known(keyHash: string, organizationId: string): boolean | undefined {
    const org = this.orgOfKey.get(keyHash);
    if (org !== undefined) return org === organizationId;
    const until = this.notInOrg.get(`${keyHash} ${organizationId}`);
    if (until === undefined) return undefined;
    if (until > Date.now()) return false;
    this.notInOrg.delete(`${keyHash} ${organizationId}`);
    return undefined;
  }

  /** Whether the caller's key may see this event; asks HueChat the first time. */
  allows(caller: CallerContext, event: HueChatEvent): boolean | Promise<boolean> {
    const keyHash = keyHashOf(caller);
    const known = this.known(keyHash, event.organizationId);
    if (known !== undefined) return known;
    const probeKey = `${keyHash} ${event.organizationId}`;
    let probe = this.probes.get(probeKey);
    if (!probe) {
      probe = this.ask(keyHash, caller.apiKey, event).then(
        (belongs) => {
          this.remember(keyHash, event.organizationId, belongs);
          return belongs;
        },
        (err: unknown) => {
          // Not known either way (a timeout, a 5xx, a 429): this event is withheld, the next one asks again.
          this.logger.warn('could not check which organisation a subscriber key belongs to', {
            eventType: event.type,
            error: err instanceof Error ? err.message : String(err),
          });
          return false;
        },
      );
      const settled = probe.finally(() => this.probes.delete(probeKey));
      this.probes.set(probeKey, settled);
      probe = settled;
    }
    return probe;
  }

  /** Places a key in an organisation it was seen to read (a subscriber's own query, a probe). */
  remember(keyHash: string, organizationId: string, belongs: boolean): void {
    if (belongs) {
      this.orgOfKey.delete(keyHash);
      this.orgOfKey.set(keyHash, organizationId);
      trim(this.orgOfKey, this.maxKeys);
    } else {
      this.notInOrg.delete(`${keyHash} ${organizationId}`);
      this.notInOrg.set(`${keyHash} ${organizationId}`, Date.now() + NOT_IN_ORG_TTL_MS);
      trim(this.notInOrg, this.maxKeys);
    }
  }

  /** What another instance learnt first (one Redis GET), else HueChat itself. */
  private async ask(keyHash: string, apiKey: string, event: HueChatEvent): Promise<boolean> {
    const known = await this.shared?.get(keyHash).catch(() => undefined);
    if (known !== undefined) return known === event.organizationId;
    // A deleted contact cannot be read any more: only keys already placed in its organisation get it.
    if (event.kind === 'contact' && event.contact === null) return false;
    const belongs = await this.probe(apiKey, event);
    if (belongs) await this.shared?.set(keyHash, event.organizationId).catch(() => undefined);
    return belongs;
  }

  private async probe(apiKey: string, event: HueChatEvent): Promise<boolean> {
    // Its own signal: the probe is shared by every subscriber of the key, whichever leaves first.
    const caller: CallerContext = { apiKey, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) };
    try {
      if (event.kind === 'contact') {
        const contact = await contacts.get(this.client, caller, event.contactId);
        return contact.id === event.contactId;
      }
      const id = event.kind === 'message' ? event.message.conversation_id : event.conversation.id;
      const conversation = await conversations.get(this.client, caller, id);
      return conversation.id === id;
    } catch (err) {
      // 404: HueChat does not show this resource to the key; 403: nor does it let the key look.
      if (isNotFound(err) || (err as { status?: number }).status === 403) return false;
      throw err;
    }
  }
}

function trim(map: Map<string, unknown>, max: number) {
  for (const key of map.keys()) {
    if (map.size <= max) return;
    map.delete(key);
  }
}
