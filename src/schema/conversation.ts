import { z } from 'zod';
import { type ConversationSource, contactOf, contactStub } from '../data/index.js';
import { firstSchema, queryTextSchema } from '../data/pages.js';
import { idSchema } from '../ids.js';
import type { Conversation } from '../upstream/conversations.js';
import { builder } from './builder.js';
import type { GatewayContext } from './context.js';
import { cost } from './cost.js';
import {
  Channel,
  ConversationOrder,
  ConversationPriority,
  ConversationStatus,
  MessageType,
} from './enums.js';
import { AgentRef, MessageConnectionRef, MessageRef } from './message.js';
import { NodeRef } from './node.js';
import { ContactRef, ConversationConnectionRef, ConversationRef } from './refs.js';

// Synchronous when the object is already here, as in contact.ts.
const fromConversation =
  <T>(pick: (c: Conversation) => T) =>
  (source: ConversationSource, _args: unknown, ctx: GatewayContext): T | Promise<T> =>
    'stub' in source ? ctx.data.conversations.load(source).then(pick) : pick(source);
const contactOfConversation = fromConversation(contactOf);

builder.objectType(ConversationRef, {
  description: 'A thread between your team and one contact on one channel.',
  interfaces: [NodeRef],
  isTypeOf: (value) =>
    typeof value === 'object' && value !== null && 'id' in value && String(value.id).startsWith('conv_'),
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The HueChat conversation id (conv_…).' }),
    contact: t.field({
      type: ContactRef,
      description: 'The contact this conversation is with.',
      extensions: cost({ calls: 1, freeForIdOnly: true }),
      resolve: (source, _a, ctx) => {
        if ('stub' in source && source.contactId) return contactStub(source.contactId);
        return contactOfConversation(source, _a, ctx);
      },
    }),
    channel: t.field({
      type: Channel,
      description: 'The channel of the conversation.',
      resolve: fromConversation((c) => c.channel),
    }),
    subject: t.string({
      nullable: true,
      description: 'Subject line, if any.',
      resolve: fromConversation((c) => c.subject ?? null),
    }),
    status: t.field({
      type: ConversationStatus,
      description: 'Open, closed or archived.',
      resolve: fromConversation((c) => c.status),
    }),
    priority: t.field({
      type: ConversationPriority,
      description: 'How urgent it is.',
      resolve: fromConversation((c) => c.priority),
    }),
    assignedTo: t.field({
      type: AgentRef,
      nullable: true,
      description: 'The team member it is assigned to; null when unassigned.',
      resolve: fromConversation((c) => c.assigned_to ?? null),
    }),
    labels: t.stringList({
      description: 'Labels on the conversation.',
      resolve: fromConversation((c) => c.labels),
    }),
    messageCount: t.int({
      description: 'Messages in the conversation.',
      resolve: fromConversation((c) => c.message_count),
    }),
    unreadCount: t.int({
      description: 'Inbound messages not yet read by your team.',
      resolve: fromConversation((c) => c.unread_count),
    }),
    createdAt: t.field({
      type: 'DateTime',
      description: 'When it started.',
      resolve: fromConversation((c) => c.created_at),
    }),
    updatedAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When it last changed.',
      resolve: fromConversation((c) => c.updated_at ?? null),
    }),
    lastMessageAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the latest message was sent.',
      resolve: fromConversation((c) => c.last_message_at ?? null),
    }),
    lastMessagePreview: t.string({
      nullable: true,
      description: 'The start of the latest message.',
      resolve: fromConversation((c) => c.last_message_preview ?? null),
    }),
    messages: t.field({
      type: MessageConnectionRef,
      description: 'Messages of the conversation, oldest first.',
      args: {
        first: t.arg.int({ defaultValue: 20, description: 'Page size, 1 to 100.', validate: firstSchema }),
        after: t.arg.string({ description: 'Cursor of the last item of the previous page.' }),
      },
      extensions: cost({ calls: 1, pageSizeArg: 'first' }),
      resolve: (source, args, ctx) => ctx.data.conversations.messages(source.id, args) as never,
    }),
  }),
});

const ConversationFilter = builder.inputType('ConversationFilter', {
  description: 'Narrows a conversation list. All given conditions must hold.',
  fields: (t) => ({
    status: t.field({
      type: ConversationStatus,
      description: 'Only this status (all statuses when absent).',
    }),
    channel: t.field({ type: Channel, description: 'Only this channel.' }),
    assignedTo: t.id({
      description: 'Only conversations assigned to this user (usr_…).',
      validate: idSchema('agent').nullish(),
    }),
    unassigned: t.boolean({ description: 'true: only unassigned conversations.' }),
    label: t.string({
      description: 'Only conversations carrying this label; at most 256 characters.',
      validate: queryTextSchema,
    }),
    search: t.string({
      description: 'Case-insensitive text in the subject or the messages; at most 256 characters.',
      validate: queryTextSchema,
    }),
  }),
  // looseObject: the validated value replaces the input, and z.object would drop status, channel…
  validate: z
    .looseObject({ assignedTo: z.unknown().optional(), unassigned: z.boolean().nullish() })
    .refine((f) => !(f.unassigned && f.assignedTo != null), {
      message: 'assignedTo and unassigned: true cannot be combined',
      path: ['unassigned'],
    }),
});

const SendMessageInput = builder.inputType('SendMessageInput', {
  description:
    'A message to send. TEXT needs content; TEMPLATE needs templateName (and templateParameters keyed "1", "2", …); IMAGE and DOCUMENT need mediaUrl. On WhatsApp, only templates may be sent outside the 24-hour window.',
  fields: (t) => ({
    channel: t.field({ type: Channel, required: true, description: 'Channel to send on.' }),
    messageType: t.field({
      type: MessageType,
      required: true,
      defaultValue: 'text',
      description: 'What the message carries.',
    }),
    content: t.string({ description: 'Text of a TEXT message.' }),
    templateName: t.string({ description: 'Approved template name, for TEMPLATE.' }),
    templateParameters: t.field({
      type: 'JSON',
      description: 'Template parameters by position: {"1": "Jane"}.',
    }),
    mediaUrl: t.string({
      description: 'Public URL of the image or document.',
      // Only what a channel provider can fetch: no javascript:, data: or file: URLs.
      validate: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).nullish(),
    }),
    caption: t.string({ description: 'Caption for an image or document.' }),
    filename: t.string({ description: 'File name shown for a document.' }),
  }),
  // looseObject: the validated value replaces the input, and z.object would drop channel, caption…
  validate: z
    .looseObject({
      messageType: z.string(),
      content: z.string().nullish(),
      templateName: z.string().nullish(),
      mediaUrl: z.string().nullish(),
    })
    .superRefine((v, ctx) => {
      if (v.messageType === 'text' && !v.content?.trim())
        ctx.addIssue({ code: 'custom', path: ['content'], message: 'content is required for TEXT messages' });
      if (v.messageType === 'template' && !v.templateName?.trim())
        ctx.addIssue({
          code: 'custom',
          path: ['templateName'],
          message: 'templateName is required for TEMPLATE messages',
        });
      if ((v.messageType === 'image' || v.messageType === 'document') && !v.mediaUrl)
        ctx.addIssue({
          code: 'custom',
          path: ['mediaUrl'],
          message: 'mediaUrl is required for IMAGE and DOCUMENT messages',
        });
    }),
});

const UpdateConversationInput = builder.inputType('UpdateConversationInput', {
  description: 'Changes to a conversation; only the fields given are sent. assignedTo: null unassigns.',
  fields: (t) => ({
    status: t.field({ type: ConversationStatus, description: 'New status (CLOSED resolves it).' }),
    priority: t.field({ type: ConversationPriority, description: 'New priority.' }),
    assignedTo: t.id({
      description: 'User id (usr_…) to assign; null unassigns.',
      validate: idSchema('agent').nullish(),
    }),
    labels: t.stringList({ description: 'Replaces all labels.' }),
    subject: t.string({ description: 'New subject.' }),
  }),
});

builder.queryFields((t) => ({
  conversation: t.field({
    type: ConversationRef,
    nullable: true,
    description: 'One conversation by id; null when it does not exist.',
    args: { id: t.arg.id({ required: true, description: 'Conversation id (conv_…).' }) },
    extensions: cost({ calls: 1, freeForIdOnly: true }),
    resolve: (_root, { id }, ctx, info) => ctx.data.conversations.byId(String(id), info),
  }),
  conversations: t.field({
    type: ConversationConnectionRef,
    description: 'Conversations of your organisation, filtered and sorted.',
    args: {
      filter: t.arg({ type: ConversationFilter, description: 'Conditions every conversation must meet.' }),
      orderBy: t.arg({
        type: ConversationOrder,
        defaultValue: 'last_message_at:desc',
        description: 'Sort order.',
      }),
      first: t.arg.int({ defaultValue: 20, description: 'Page size, 1 to 100.', validate: firstSchema }),
      after: t.arg.string({ description: 'Cursor of the last item of the previous page.' }),
    },
    extensions: cost({ calls: 1, pageSizeArg: 'first' }),
    resolve: (_root, args, ctx) => ctx.data.conversations.list(args) as never,
  }),
}));

builder.mutationFields((t) => ({
  sendMessage: t.field({
    type: MessageRef,
    description:
      'Sends a message to a contact, starting a conversation on that channel when none is open. Never retried automatically.',
    args: {
      contactId: t.arg.id({
        required: true,
        description: 'Contact id (cnt_…).',
        validate: idSchema('contact'),
      }),
      input: t.arg({ type: SendMessageInput, required: true, description: 'The message.' }),
    },
    extensions: cost({ calls: 1 }),
    resolve: (_root, { contactId, input }, ctx) => ctx.data.conversations.send(String(contactId), input),
  }),
  updateConversation: t.field({
    type: ConversationRef,
    description: 'Changes status, priority, assignee, labels or subject of a conversation.',
    args: {
      id: t.arg.id({
        required: true,
        description: 'Conversation id (conv_…).',
        validate: idSchema('conversation'),
      }),
      input: t.arg({ type: UpdateConversationInput, required: true, description: 'The fields to change.' }),
    },
    extensions: cost({ calls: 1 }),
    resolve: (_root, { id, input }, ctx) => ctx.data.conversations.update(String(id), input),
  }),
}));
