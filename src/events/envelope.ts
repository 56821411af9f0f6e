import { z } from 'zod';
import { timestampSchema } from '../upstream/common.js';
import { type Contact, contactSchema } from '../upstream/contacts.js';
import { type Conversation, conversationSchema } from '../upstream/conversations.js';
import { type Message, messageSchema } from '../upstream/messages.js';

export const organizationIdSchema = z.string().regex(/^org_[A-Za-z0-9_]{1,100}$/);

/** SPEC §3.6: the envelope every delivery carries. `data` is checked per type below. */
export const envelopeSchema = z.object({
  id: z.string().regex(/^evt_[A-Za-z0-9_]{1,100}$/),
  type: z.string().min(1).max(100),
  timestamp: timestampSchema,
  retry_count: z.number().int().min(0).optional(),
  data: z.record(z.string(), z.unknown()),
  organization_id: organizationIdSchema,
});
export type Envelope = z.infer<typeof envelopeSchema>;

export const MESSAGE_ADDED = ['message.received', 'message.sent'] as const;
export const MESSAGE_STATUS = ['message.delivered', 'message.read'] as const;
export const CONVERSATION_EVENTS = [
  'conversation.created',
  'conversation.updated',
  'conversation.resolved',
  'conversation.assigned',
] as const;
export const CONTACT_EVENTS = ['contact.created', 'contact.updated', 'contact.deleted'] as const;

interface Common {
  eventId: string;
  occurredAt: string;
  organizationId: string;
}
export type MessageEvent = Common & {
  kind: 'message';
  type: (typeof MESSAGE_ADDED)[number] | (typeof MESSAGE_STATUS)[number];
  message: Message;
};
export type ConversationEvent = Common & {
  kind: 'conversation';
  type: (typeof CONVERSATION_EVENTS)[number];
  conversation: Conversation;
};
export type ContactEvent = Common & {
  kind: 'contact';
  type: (typeof CONTACT_EVENTS)[number];
  contactId: string;
  /** Null on contact.deleted: the contact can no longer be read, whatever its last state said. */
  contact: Contact | null;
};
/** A verified HueChat event whose `data` passed the same schema as the REST answer for that resource. */
export type HueChatEvent = MessageEvent | ConversationEvent | ContactEvent;

const deletedContactSchema = z.object({ id: z.string().min(1) });

export type Parsed =
  | { ok: true; event: HueChatEvent }
  | { ok: false; reason: 'unknown_type' | 'bad_data'; detail: string };

const oneOf = <T extends string>(list: readonly T[], type: string): type is T =>
  (list as readonly string[]).includes(type);

/** The event an envelope carries, or why it cannot be delivered (answered 2xx and dropped). */
export function eventOf(envelope: Envelope): Parsed {
  const common: Common = {
    eventId: envelope.id,
    occurredAt: envelope.timestamp,
    organizationId: envelope.organization_id,
  };
  const { type, data } = envelope;
  const bad = (error: z.ZodError): Parsed => ({
    ok: false,
    reason: 'bad_data',
    detail: error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; '),
  });
  if (oneOf(MESSAGE_ADDED, type) || oneOf(MESSAGE_STATUS, type)) {
    const parsed = messageSchema.safeParse(data);
    if (!parsed.success) return bad(parsed.error);
    return { ok: true, event: { ...common, kind: 'message', type, message: parsed.data } };
  }
  if (oneOf(CONVERSATION_EVENTS, type)) {
    const parsed = conversationSchema.safeParse(data);
    if (!parsed.success) return bad(parsed.error);
    return { ok: true, event: { ...common, kind: 'conversation', type, conversation: parsed.data } };
  }
  if (oneOf(CONTACT_EVENTS, type)) {
    if (type === 'contact.deleted') {
      // SPEC §8.1: the last known state, or only `{id}`.
      const parsed = deletedContactSchema.safeParse(data);
      if (!parsed.success) return bad(parsed.error);
      return {
        ok: true,
        event: { ...common, kind: 'contact', type, contactId: parsed.data.id, contact: null },
      };
    }
    const parsed = contactSchema.safeParse(data);
    if (!parsed.success) return bad(parsed.error);
    return {
      ok: true,
      event: { ...common, kind: 'contact', type, contactId: parsed.data.id, contact: parsed.data },
    };
  }
  return { ok: false, reason: 'unknown_type', detail: type };
}
