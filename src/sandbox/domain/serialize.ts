import {
  type Agent,
  type ContactRecord,
  type ConversationRecord,
  fullName,
  type MessageRecord,
  type WebhookRecord,
} from './records.js';
import { conversationLastMessageAt, conversationPreview, type OrgStore } from './store.js';
import { iso, isoOrNull } from './time.js';
import type { EmbedContact, MessageJson } from './types.js';

/** SPEC G10: always the full object, with explicit nulls. */
export function contactJson(c: ContactRecord) {
  return {
    id: c.id,
    phone: c.phone,
    email: c.email,
    first_name: c.firstName,
    last_name: c.lastName,
    full_name: fullName(c.firstName, c.lastName),
    preferred_channel: c.preferredChannel,
    metadata: c.metadata,
    status: c.status,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    last_contacted: isoOrNull(c.lastContacted),
  };
}

function agentJson(agent: Agent | null) {
  return agent === null ? null : { id: agent.id, name: agent.name, email: agent.email };
}

export function conversationJson(org: OrgStore, conv: ConversationRecord, embed: EmbedContact) {
  const lastAt = conversationLastMessageAt(conv);
  const json: Record<string, unknown> = { id: conv.id, contact_id: conv.contactId };
  const contact = org.contacts.get(conv.contactId);
  if (embed !== 'none' && contact !== undefined) {
    json.contact =
      embed === 'full'
        ? contactJson(contact)
        : { id: contact.id, full_name: fullName(contact.firstName, contact.lastName), phone: contact.phone };
  }
  json.channel = conv.channel;
  json.subject = conv.subject;
  json.status = conv.status;
  json.priority = conv.priority;
  json.assigned_to = agentJson(conv.assignedTo);
  json.labels = conv.labels;
  json.tags = conv.tags;
  json.message_count = conv.messages.length;
  json.unread_count = conv.unreadCount;
  json.created_at = iso(conv.createdAt);
  json.updated_at = iso(conv.updatedAt);
  json.last_message_at = isoOrNull(lastAt);
  json.last_message_preview = conversationPreview(conv);
  return json;
}

export function messageJson(m: MessageRecord): MessageJson {
  const json: MessageJson = {
    id: m.id,
    conversation_id: m.conversationId,
    contact_id: m.contactId,
    channel: m.channel,
    message_type: m.messageType,
    content: m.content,
    status: m.status,
    sent_by: m.sentBy,
    sender: m.sender,
    sent_at: iso(m.sentAt),
    delivered_at: isoOrNull(m.deliveredAt),
    read_at: isoOrNull(m.readAt),
    error: m.error,
  };
  // SPEC G18 [rec]: media fields are undocumented; they appear only on image/document messages.
  if (m.media !== null) {
    json.media_url = m.media.url;
    json.caption = m.media.caption;
    json.filename = m.media.filename;
  }
  return json;
}

export function webhookJson(w: WebhookRecord) {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    active: w.active,
    retry_policy: w.retryPolicy,
    signing_secret: w.signingSecret,
    created_at: iso(w.createdAt),
    updated_at: iso(w.updatedAt),
  };
}
