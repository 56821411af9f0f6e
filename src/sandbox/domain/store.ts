import { createRng, type Rng, randomId } from './random.js';
import {
  type Agent,
  type ContactRecord,
  type ConversationRecord,
  fullName,
  type MessageRecord,
  type Template,
  type WebhookRecord,
} from './records.js';
import type { Channel } from './types.js';

export type ConversationSort = 'last_message_at:desc' | 'created_at:desc';

const PREVIEW_LENGTH = 100;

function lastMessageAt(conv: ConversationRecord): number | null {
  const last = conv.messages[conv.messages.length - 1];
  return last === undefined ? null : last.sentAt;
}

/** SPEC §5 [rec]: last_message_at desc, nulls last, then created_at desc. */
function byLastMessage(a: ConversationRecord, b: ConversationRecord): number {
  const la = lastMessageAt(a);
  const lb = lastMessageAt(b);
  if (la !== lb) {
    if (la === null) return 1;
    if (lb === null) return -1;
    return lb - la;
  }
  return byCreated(a, b);
}

function byCreated(a: { createdAt: number; seq: number }, b: { createdAt: number; seq: number }): number {
  return b.createdAt - a.createdAt || b.seq - a.seq;
}

export function messagePreview(message: MessageRecord): string {
  let text = message.content;
  if (message.media !== null) {
    const label = message.messageType === 'image' ? '[image]' : '[document]';
    text = `${label} ${message.media.caption ?? message.media.filename ?? ''}`.trim();
  }
  return text.length > PREVIEW_LENGTH ? `${text.slice(0, PREVIEW_LENGTH - 1)}…` : text;
}

export function contactSearchText(c: ContactRecord): string {
  return [fullName(c.firstName, c.lastName), c.email ?? '', c.phone ?? ''].join('\n').toLowerCase();
}

/**
 * One organisation's data with the indexes every route needs, so no request walks all messages.
 * Callers validate first; the methods here only keep the indexes consistent.
 */
export class OrgStore {
  readonly rng: Rng;
  readonly contacts = new Map<string, ContactRecord>();
  readonly conversations = new Map<string, ConversationRecord>();
  readonly messages = new Map<string, MessageRecord>();
  readonly webhooks = new Map<string, WebhookRecord>();
  readonly agents = new Map<string, Agent>();
  readonly templates = new Map<string, Template>();
  private readonly byPhone = new Map<string, ContactRecord>();
  private readonly byEmail = new Map<string, ContactRecord>();
  private readonly byContact = new Map<string, ConversationRecord[]>();
  /** created_at desc, kept sorted on insert. */
  private readonly contactOrder: ContactRecord[] = [];
  private sortedByLastMessage: ConversationRecord[] | null = null;
  private sortedByCreated: ConversationRecord[] | null = null;
  private nextSeq = 1;

  constructor(
    readonly organizationId: string,
    seed: number,
  ) {
    this.rng = createRng(seed);
  }

  seq(): number {
    return this.nextSeq++;
  }

  newId(prefix: string, taken: ReadonlyMap<string, unknown>): string {
    let id = randomId(this.rng, prefix);
    while (taken.has(id)) id = randomId(this.rng, prefix);
    return id;
  }

  // Contacts

  contactByPhone(phone: string): ContactRecord | undefined {
    return this.byPhone.get(phone);
  }

  contactByEmail(email: string): ContactRecord | undefined {
    return this.byEmail.get(email.toLowerCase());
  }

  /** SPEC §4.1 [rec] order: `cnt_` id, then anything with `@` as an email, then `+` as a phone. */
  resolveContact(identifier: string): ContactRecord | undefined {
    if (identifier.startsWith('cnt_')) return this.contacts.get(identifier);
    if (identifier.includes('@')) return this.contactByEmail(identifier);
    if (identifier.startsWith('+')) return this.byPhone.get(identifier);
    return undefined;
  }

  addContact(contact: ContactRecord): void {
    this.contacts.set(contact.id, contact);
    if (contact.phone !== null) this.byPhone.set(contact.phone, contact);
    if (contact.email !== null) this.byEmail.set(contact.email.toLowerCase(), contact);
    contact.searchText = contactSearchText(contact);
    let lo = 0;
    let hi = this.contactOrder.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (byCreated(this.contactOrder[mid], contact) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.contactOrder.splice(lo, 0, contact);
  }

  /** Re-indexes after the caller changed phone, email or name. */
  reindexContact(contact: ContactRecord, oldPhone: string | null, oldEmail: string | null): void {
    if (oldPhone !== contact.phone) {
      if (oldPhone !== null) this.byPhone.delete(oldPhone);
      if (contact.phone !== null) this.byPhone.set(contact.phone, contact);
    }
    if (oldEmail?.toLowerCase() !== contact.email?.toLowerCase()) {
      if (oldEmail !== null) this.byEmail.delete(oldEmail.toLowerCase());
      if (contact.email !== null) this.byEmail.set(contact.email.toLowerCase(), contact);
    }
    contact.searchText = contactSearchText(contact);
  }

  /** SPEC S7: deleting a contact deletes its conversations and messages. */
  deleteContact(contact: ContactRecord): void {
    this.contacts.delete(contact.id);
    if (contact.phone !== null) this.byPhone.delete(contact.phone);
    if (contact.email !== null) this.byEmail.delete(contact.email.toLowerCase());
    const index = this.contactOrder.indexOf(contact);
    if (index >= 0) this.contactOrder.splice(index, 1);
    for (const conv of this.byContact.get(contact.id) ?? []) {
      this.conversations.delete(conv.id);
      for (const message of conv.messages) this.messages.delete(message.id);
    }
    this.byContact.delete(contact.id);
    this.invalidateSorts();
  }

  contactsNewestFirst(): readonly ContactRecord[] {
    return this.contactOrder;
  }

  // Conversations

  addConversation(conv: ConversationRecord): void {
    this.conversations.set(conv.id, conv);
    const list = this.byContact.get(conv.contactId);
    if (list === undefined) this.byContact.set(conv.contactId, [conv]);
    else list.push(conv);
    this.invalidateSorts();
  }

  conversationsOf(contactId: string): readonly ConversationRecord[] {
    return this.byContact.get(contactId) ?? [];
  }

  /** SPEC §9: an outbound send reuses the most recent non-archived conversation for (contact, channel). */
  openConversationFor(contactId: string, channel: Channel): ConversationRecord | undefined {
    let best: ConversationRecord | undefined;
    for (const conv of this.conversationsOf(contactId)) {
      if (conv.channel !== channel || conv.status === 'archived') continue;
      if (best === undefined || byLastMessage(conv, best) < 0) best = conv;
    }
    return best;
  }

  sortedConversations(sort: ConversationSort): readonly ConversationRecord[] {
    if (sort === 'created_at:desc') {
      this.sortedByCreated ??= [...this.conversations.values()].sort(byCreated);
      return this.sortedByCreated;
    }
    this.sortedByLastMessage ??= [...this.conversations.values()].sort(byLastMessage);
    return this.sortedByLastMessage;
  }

  sortConversations(list: ConversationRecord[], sort: ConversationSort): ConversationRecord[] {
    return list.sort(sort === 'created_at:desc' ? byCreated : byLastMessage);
  }

  /** A new message in `conv` with a fresh id, not yet appended: the caller sets its status first. */
  newMessage(
    conv: ConversationRecord,
    fields: Omit<MessageRecord, 'id' | 'seq' | 'conversationId' | 'contactId' | 'channel'>,
  ): MessageRecord {
    return {
      id: this.newId('msg_', this.messages),
      seq: this.seq(),
      conversationId: conv.id,
      contactId: conv.contactId,
      channel: conv.channel,
      ...fields,
    };
  }

  /** Keeps messages in sent_at order (a test clock may go backwards) and the conversation's summary fields. */
  appendMessage(conv: ConversationRecord, message: MessageRecord): void {
    const list = conv.messages;
    let at = list.length;
    while (at > 0 && list[at - 1].sentAt > message.sentAt) at--;
    list.splice(at, 0, message);
    this.messages.set(message.id, message);
    conv.searchText += `\n${message.content.toLowerCase()}`;
    if (message.sentBy === 'contact' && message.channel === 'whatsapp') {
      const contact = this.contacts.get(message.contactId);
      if (contact !== undefined && (contact.lastWhatsappInboundAt ?? -Infinity) < message.sentAt) {
        contact.lastWhatsappInboundAt = message.sentAt;
      }
    }
    this.sortedByLastMessage = null;
  }

  rebuildSearchText(conv: ConversationRecord): void {
    const parts = [conv.subject ?? ''];
    for (const message of conv.messages) parts.push(message.content);
    conv.searchText = parts.join('\n').toLowerCase();
  }

  invalidateSorts(): void {
    this.sortedByLastMessage = null;
    this.sortedByCreated = null;
  }

  // Webhooks

  webhooksOldestFirst(): WebhookRecord[] {
    return [...this.webhooks.values()].sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
  }
}

export function conversationLastMessageAt(conv: ConversationRecord): number | null {
  return lastMessageAt(conv);
}

export function conversationPreview(conv: ConversationRecord): string | null {
  const last = conv.messages[conv.messages.length - 1];
  return last === undefined ? null : messagePreview(last);
}
