import { contactStub, conversationStub } from '../data/index.js';
import { isId } from '../ids.js';
import type { Message } from '../upstream/messages.js';
import { builder } from './builder.js';
import { connectionOf } from './connection.js';
import { cost } from './cost.js';
import { Channel, MessageSender, MessageStatus, MessageType } from './enums.js';
import { ContactRef, ConversationRef } from './refs.js';

export const AgentRef = builder
  .objectRef<{ id: string; name: string; email?: string | null }>('Agent')
  .implement({
    description: 'A member of your HueChat team.',
    fields: (t) => ({
      id: t.exposeID('id', { description: 'The user id (usr_…).' }),
      name: t.exposeString('name', { description: 'Display name.' }),
      email: t.field({
        type: 'EmailAddress',
        nullable: true,
        description: 'Email address, when HueChat gives it.',
        resolve: (a) => a.email ?? null,
      }),
    }),
  });

export const MessageRef = builder.objectRef<Message>('Message').implement({
  description:
    'One message in a conversation, inbound or outbound. Not a Node: HueChat cannot fetch a message by id.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The HueChat message id (msg_…).' }),
    conversation: t.field({
      type: ConversationRef,
      description: 'The conversation the message belongs to.',
      extensions: cost({ calls: 1, freeForIdOnly: true }),
      resolve: (m) => conversationStub(m.conversation_id, m.contact_id),
    }),
    contact: t.field({
      type: ContactRef,
      description: 'The contact of the conversation.',
      extensions: cost({ calls: 1, freeForIdOnly: true }),
      resolve: (m) => contactStub(m.contact_id),
    }),
    channel: t.field({
      type: Channel,
      description: 'The channel it went through.',
      resolve: (m) => m.channel,
    }),
    messageType: t.field({
      type: MessageType,
      description: 'What the message carries.',
      resolve: (m) => m.message_type,
    }),
    content: t.string({
      nullable: true,
      description: 'Text, or the media URL for images and documents.',
      resolve: (m) => m.content ?? null,
    }),
    status: t.field({ type: MessageStatus, description: 'Delivery state.', resolve: (m) => m.status }),
    sentBy: t.field({ type: MessageSender, description: 'Who sent it.', resolve: (m) => m.sent_by }),
    sender: t.field({
      type: AgentRef,
      nullable: true,
      description: 'The team member who sent it, when known.',
      // HueChat puts the contact itself (cnt_…) in `sender` of inbound messages; an Agent is a team
      // member (usr_…), and the contact is already `contact`.
      resolve: (m) => (m.sender && isId('agent', m.sender.id) ? m.sender : null),
    }),
    sentAt: t.field({ type: 'DateTime', description: 'When it was sent.', resolve: (m) => m.sent_at }),
    deliveredAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it reached the device.',
      resolve: (m) => m.delivered_at ?? null,
    }),
    readAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it was read.',
      resolve: (m) => m.read_at ?? null,
    }),
    error: t.string({
      nullable: true,
      description: 'Why it failed, when status is FAILED.',
      resolve: (m) => m.error ?? null,
    }),
  }),
});

export const MessageConnectionRef = connectionOf(MessageRef, 'Message', {
  connection: 'A page of messages, oldest first.',
  totalCount: 'How many messages the conversation has.',
  edge: 'A message in a page, with its cursor.',
});
