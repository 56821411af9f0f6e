import { notFound } from './errors.js';
import { isOutbound, type MessageRecord } from './records.js';
import type { Runtime } from './runtime.js';
import { messageJson } from './serialize.js';
import type { OrgStore } from './store.js';
import type { AdvanceTarget } from './types.js';

/**
 * Status follows the clock lazily; timers exist only so that subscribed webhooks fire on time
 * with the real clock (with a custom `now`, they fire when the message is next read or advanced).
 */
export function scheduleProgress(rt: Runtime, org: OrgStore, message: MessageRecord): void {
  let wanted = false;
  for (const hook of org.webhooks.values()) {
    if (hook.active && (hook.events.includes('message.delivered') || hook.events.includes('message.read'))) {
      wanted = true;
    }
  }
  if (!wanted) return;
  const check = () => {
    if (org.messages.get(message.id) === message) settle(rt, org, message);
  };
  rt.timers.set(check, rt.deliverAfterMs);
  rt.timers.set(check, rt.readAfterMs);
}

function markDelivered(rt: Runtime, org: OrgStore, m: MessageRecord, at: number): void {
  m.status = 'delivered';
  m.deliveredAt = at;
  rt.emit(org, 'message.delivered', () => messageJson(m));
}

function markRead(rt: Runtime, org: OrgStore, m: MessageRecord, at: number): void {
  m.status = 'read';
  m.readAt = Math.max(at, m.deliveredAt ?? at);
  rt.emit(org, 'message.read', () => messageJson(m));
}

/** Brings an API-sent message up to the status its age implies (sent -> delivered -> read). */
export function settle(rt: Runtime, org: OrgStore, m: MessageRecord): void {
  if (!m.autoProgress || m.status === 'read' || m.status === 'failed') return;
  const now = rt.now();
  if (m.status === 'sent' && now >= m.sentAt + rt.deliverAfterMs)
    markDelivered(rt, org, m, m.sentAt + rt.deliverAfterMs);
  if (m.status === 'delivered' && now >= m.sentAt + rt.readAfterMs)
    markRead(rt, org, m, m.sentAt + rt.readAfterMs);
}

/** Forces progression of outbound messages; returns how many changed status. */
export function advanceMessages(rt: Runtime, org: OrgStore, target: AdvanceTarget): number {
  let list: Iterable<MessageRecord>;
  if (target.message_id !== undefined) {
    const message = org.messages.get(target.message_id);
    if (message === undefined) throw notFound('message', target.message_id);
    list = [message];
  } else if (target.conversation_id !== undefined) {
    const conv = org.conversations.get(target.conversation_id);
    if (conv === undefined) throw notFound('conversation', target.conversation_id);
    list = conv.messages;
  } else {
    list = [...org.messages.values()];
  }
  const now = rt.now();
  let changed = 0;
  for (const m of list) {
    if (!isOutbound(m)) continue;
    settle(rt, org, m);
    const before = m.status;
    const to = target.to;
    if (to === 'failed') {
      if (m.status === 'sent') {
        m.status = 'failed';
        m.error = 'Delivery failed (simulated)';
      }
    } else if (m.status === 'sent') {
      markDelivered(rt, org, m, now);
      if (to === 'read') markRead(rt, org, m, now);
    } else if (m.status === 'delivered' && to !== 'delivered') {
      markRead(rt, org, m, now);
    }
    if (m.status !== before) changed++;
  }
  return changed;
}
