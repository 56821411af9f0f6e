import type { z } from 'zod';
import { ApiError, invalidInput, notFound, validationFailed } from './errors.js';
import {
  type ContactRecord,
  type ConversationRecord,
  fullName,
  type MessageRecord,
  renderTemplate,
} from './records.js';
import type { Runtime } from './runtime.js';
import { conversationJson, messageJson } from './serialize.js';
import { scheduleProgress } from './status.js';
import type { OrgStore } from './store.js';
import { DAY, iso } from './time.js';
import type { Channel } from './types.js';
import { inboundBody, parseBody, type sendMessageBody } from './validation.js';

type SendBody = z.output<typeof sendMessageBody>;

function conversationFor(rt: Runtime, org: OrgStore, contact: ContactRecord, channel: Channel) {
  const existing = org.openConversationFor(contact.id, channel);
  if (existing !== undefined) return { conv: existing, created: false };
  const now = rt.now();
  const conv: ConversationRecord = {
    id: org.newId('conv_', org.conversations),
    seq: org.seq(),
    contactId: contact.id,
    channel,
    subject: null,
    status: 'open',
    priority: 'medium',
    assignedTo: null,
    labels: [],
    tags: [],
    unreadCount: 0,
    createdAt: now,
    updatedAt: now,
    messages: [],
    searchText: '',
  };
  org.addConversation(conv);
  return { conv, created: true };
}

/** What differs between a message sent through the API and one a customer sent. */
type MessageFields = Omit<
  MessageRecord,
  'id' | 'seq' | 'conversationId' | 'contactId' | 'channel' | 'sentAt' | 'readAt' | 'error'
>;

/**
 * Appends a new message, sent now, to the contact's open conversation on the channel, or to a new
 * one (`created`); the caller updates the conversation and fires the events.
 */
function addMessage(
  rt: Runtime,
  org: OrgStore,
  contact: ContactRecord,
  channel: Channel,
  fields: (now: number) => MessageFields,
) {
  const { conv, created } = conversationFor(rt, org, contact, channel);
  const now = rt.now();
  const message = org.newMessage(conv, { sentAt: now, readAt: null, error: null, ...fields(now) });
  org.appendMessage(conv, message);
  return { conv, created, message, now };
}

function checkReachable(contact: ContactRecord, channel: Channel): void {
  const missing =
    (channel === 'whatsapp' || channel === 'sms') && contact.phone === null
      ? 'phone'
      : channel === 'email' && contact.email === null
        ? 'email'
        : undefined;
  if (missing !== undefined) {
    throw validationFailed(`The contact has no ${missing} to reach on ${channel}`, {
      reason: 'contact_unreachable_on_channel',
      channel,
    });
  }
}

/** Returns the rendered template text, or throws SPEC's 400/422 for a template that cannot be sent. */
function templateContent(org: OrgStore, body: SendBody): string {
  if (body.template_name === undefined) {
    throw invalidInput(
      'template_name',
      'is required for template messages',
      undefined,
      'approved template name',
    );
  }
  if (body.template_parameters === undefined) {
    throw invalidInput('template_parameters', 'is required for template messages', undefined, '{"1": "…"}');
  }
  if (body.channel !== 'whatsapp') {
    throw validationFailed('Templates can only be sent on WhatsApp', {
      reason: 'template_requires_whatsapp',
      channel: body.channel,
    });
  }
  const template = org.templates.get(body.template_name);
  if (template === undefined) {
    throw validationFailed(`Unknown template: ${body.template_name}`, {
      reason: 'unknown_template',
      template_name: body.template_name,
    });
  }
  if (template.status !== 'approved') {
    throw validationFailed(`Template ${template.name} is not approved (status: ${template.status})`, {
      reason: 'template_not_approved',
      template_name: template.name,
      template_status: template.status,
    });
  }
  const params: string[] = [];
  for (let i = 1; i <= template.parameter_count; i++) {
    const value = body.template_parameters[String(i)];
    if (value === undefined) {
      throw validationFailed(`Template ${template.name} needs ${template.parameter_count} parameters`, {
        reason: 'template_parameters_mismatch',
        template_name: template.name,
        expected_parameters: template.parameter_count,
        missing_parameter: String(i),
      });
    }
    params.push(String(value));
  }
  return renderTemplate(template, params);
}

/**
 * SPEC §9 plus a sandbox convention: free-form WhatsApp messages need the window open, and it opens
 * on the customer's latest WhatsApp message or on the creation of the conversation the send goes to.
 * The founding page S2 sends a text to a contact created a moment before and gets 201, so a business
 * that starts the conversation (no non-archived WhatsApp conversation yet) is let through, and the
 * conversation that send creates opens the window for 24 h.
 */
function checkWhatsappWindow(rt: Runtime, org: OrgStore, contact: ContactRecord): void {
  const target = org.openConversationFor(contact.id, 'whatsapp');
  if (target === undefined) return;
  const anchor = Math.max(contact.lastWhatsappInboundAt ?? -Infinity, target.createdAt);
  if (rt.now() - anchor < DAY) return;
  throw validationFailed(
    'The WhatsApp 24-hour window is closed for this contact; send an approved template instead',
    { reason: 'outside_24h_window', window_expires_at: iso(anchor + DAY) },
  );
}

/** E6: validates the business rules, appends the message and fires the SPEC §9 side effects. */
export function sendMessage(
  rt: Runtime,
  org: OrgStore,
  contact: ContactRecord,
  body: SendBody,
): MessageRecord {
  let content: string;
  let media: MessageRecord['media'] = null;
  if (body.message_type === 'text') {
    if (body.content === undefined || body.content.trim() === '') {
      throw invalidInput('content', 'is required for text messages', body.content, 'non-empty string');
    }
    content = body.content;
  } else if (body.message_type === 'template') {
    content = templateContent(org, body);
  } else {
    if (body.media_url === undefined) {
      throw validationFailed(`${body.message_type} messages need a media_url`, {
        reason: 'media_url_required',
        message_type: body.message_type,
      });
    }
    content = body.media_url;
    media = { url: body.media_url, caption: body.caption ?? null, filename: body.filename ?? null };
  }
  checkReachable(contact, body.channel);
  if (body.channel === 'whatsapp' && body.message_type !== 'template') checkWhatsappWindow(rt, org, contact);

  const { conv, created, message, now } = addMessage(rt, org, contact, body.channel, () => ({
    messageType: body.message_type,
    content,
    status: 'sent',
    sentBy: 'user',
    sender: null,
    deliveredAt: null,
    media,
    autoProgress: true,
  }));
  conv.updatedAt = now;
  contact.lastContacted = now;
  if (created) rt.emit(org, 'conversation.created', () => conversationJson(org, conv, rt.embedContact));
  rt.emit(org, 'message.sent', () => messageJson(message));
  scheduleProgress(rt, org, message);
  return message;
}

/** The control route's "customer wrote to us": opens the WhatsApp window and fires message.received. */
export function receiveInbound(rt: Runtime, org: OrgStore, input: unknown): MessageRecord {
  const body = parseBody(inboundBody, input);
  const contact = org.resolveContact(body.contact_id);
  if (contact === undefined) throw notFound('contact', body.contact_id);
  const messageType = body.message_type ?? 'text';
  if (messageType === 'template') {
    throw new ApiError(400, 'invalid_input', 'Customers cannot send template messages', {
      field: 'message_type',
      reason: 'must be text, image or document',
      received: messageType,
      expected: 'text|image|document',
    });
  }
  const { conv, created, message, now } = addMessage(rt, org, contact, body.channel, (at) => ({
    messageType,
    content: body.content,
    status: 'delivered',
    sentBy: 'contact',
    sender: { id: contact.id, name: fullName(contact.firstName, contact.lastName) },
    deliveredAt: at,
    media: messageType === 'text' ? null : { url: body.content, caption: null, filename: null },
    autoProgress: false,
  }));
  conv.unreadCount++;
  conv.updatedAt = now;
  if (created) rt.emit(org, 'conversation.created', () => conversationJson(org, conv, rt.embedContact));
  rt.emit(org, 'message.received', () => messageJson(message));
  return message;
}
