import type { GraphQLError } from 'graphql';
import { gatewayError } from '../errors.js';
import type { CallerContext } from '../upstream/call.js';
import { keyHashOf } from '../upstream/sharing.js';
import type { HueChatEvent } from './envelope.js';
import type { Membership } from './membership.js';

/** What a subscription's source yields: an event for the subscriber, or the error that ends it. */
export type Delivery = { event: HueChatEvent } | { error: GraphQLError };

export interface HubOptions {
  membership: Membership;
  /** Open subscriptions allowed per key on this instance (SUBSCRIPTIONS_PER_KEY). */
  perKey: number;
  /** Events allowed to wait for one subscriber before it is closed as too slow (SUBSCRIPTION_BUFFER). */
  buffer: number;
}

export interface SubscribeSpec {
  caller: CallerContext;
  /** Which event kinds to look at (the index: an event is only matched against their subscribers). */
  kind: HueChatEvent['kind'];
  /** The subscription's own narrowing (event type and arguments); isolation is the hub's job. */
  accepts: (event: HueChatEvent) => boolean;
}

/**
 * Every open subscription of this instance, indexed by event kind. An event is offered to each
 * subscriber of its kind whose key is not known to be in another organisation and whose arguments
 * match; it waits in that subscriber's own bounded queue, in the order received, until its consumer
 * asks for it, and is handed over only once HueChat has confirmed the key's organisation.
 */
export class SubscriptionHub {
  private readonly byKind = new Map<HueChatEvent['kind'], Set<Subscriber>>();
  private readonly openPerKey = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: HubOptions) {}

  /** Opens a subscription; throws TOO_MANY_SUBSCRIPTIONS past the per-key bound (before anything is kept). */
  subscribe(spec: SubscribeSpec): AsyncIterableIterator<Delivery> {
    if (this.closed) throw gatewayError('SHUTTING_DOWN', 'The gateway is shutting down; reconnect shortly');
    const keyHash = keyHashOf(spec.caller);
    const open = this.openPerKey.get(keyHash) ?? 0;
    if (open >= this.options.perKey) {
      throw gatewayError(
        'TOO_MANY_SUBSCRIPTIONS',
        `At most ${this.options.perKey} subscriptions may be open at once per API key`,
        { limit: this.options.perKey },
      );
    }
    this.openPerKey.set(keyHash, open + 1);
    let set = this.byKind.get(spec.kind);
    if (!set) {
      set = new Set();
      this.byKind.set(spec.kind, set);
    }
    const subscribers = set;
    const subscriber = new Subscriber(spec, keyHash, this.options, () => {
      subscribers.delete(subscriber);
      const left = (this.openPerKey.get(keyHash) ?? 1) - 1;
      if (left > 0) this.openPerKey.set(keyHash, left);
      else this.openPerKey.delete(keyHash);
    });
    subscribers.add(subscriber);
    return subscriber;
  }

  /** Offers an event to the subscribers of its kind; returns how many queued it. */
  deliver(event: HueChatEvent): number {
    const subscribers = this.byKind.get(event.kind);
    if (!subscribers) return 0;
    let queued = 0;
    for (const subscriber of subscribers) if (subscriber.offer(event)) queued++;
    return queued;
  }

  /** Open subscriptions on this instance. */
  get size(): number {
    let n = 0;
    for (const set of this.byKind.values()) n += set.size;
    return n;
  }

  /** Ends every subscription cleanly (SIGTERM): each stream completes after what it already has. */
  close(): void {
    this.closed = true;
    for (const set of this.byKind.values()) for (const subscriber of [...set]) subscriber.end();
  }
}

class Subscriber implements AsyncIterableIterator<Delivery> {
  private queue: Delivery[] = [];
  private wake: (() => void) | undefined;
  private finished = false;
  private failed = false;
  private readonly onAbort = () => this.stop();

  constructor(
    private readonly spec: SubscribeSpec,
    private readonly keyHash: string,
    private readonly options: HubOptions,
    private readonly onClose: () => void,
  ) {
    spec.caller.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  offer(event: HueChatEvent): boolean {
    if (this.finished || this.failed) return false;
    if (this.options.membership.known(this.keyHash, event.organizationId) === false) return false;
    if (!this.spec.accepts(event)) return false;
    if (this.queue.length >= this.options.buffer) {
      // Nothing more is kept for it: the queue goes, and the error is all that is left to send.
      this.failed = true;
      this.queue = [
        {
          error: gatewayError(
            'SUBSCRIBER_TOO_SLOW',
            `The subscription was closed: ${this.options.buffer} events were waiting for it`,
            { buffer: this.options.buffer },
          ),
        },
      ];
      this.release();
      this.notify();
      return false;
    }
    this.queue.push({ event });
    this.notify();
    return true;
  }

  async next(): Promise<IteratorResult<Delivery>> {
    while (true) {
      const head = this.queue[0];
      if (head === undefined) {
        if (this.finished || this.failed) return this.done();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        continue;
      }
      if ('error' in head) {
        this.queue = [];
        this.finished = true;
        return { value: head, done: false };
      }
      const allowed = await this.options.membership.allows(this.spec.caller, head.event);
      // A failure while checking replaced the queue; that error goes next.
      if (this.queue[0] !== head) continue;
      this.queue.shift();
      if (allowed) return { value: head, done: false };
    }
  }

  async return(): Promise<IteratorResult<Delivery>> {
    this.stop();
    return this.done();
  }

  async throw(err?: unknown): Promise<IteratorResult<Delivery>> {
    this.stop();
    throw err;
  }

  /** Completes after the events already queued (shutdown). */
  end(): void {
    this.finished = true;
    this.release();
    this.notify();
  }

  private stop() {
    this.finished = true;
    this.queue = [];
    this.release();
    this.notify();
  }

  private done(): IteratorResult<Delivery> {
    this.release();
    return { value: undefined, done: true };
  }

  private released = false;
  private release() {
    if (this.released) return;
    this.released = true;
    this.spec.caller.signal?.removeEventListener('abort', this.onAbort);
    this.onClose();
  }

  private notify() {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
