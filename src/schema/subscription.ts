import { gatewayError } from '../errors.js';
import { changeOf } from '../events/changes.js';
import {
  CONTACT_EVENTS,
  CONVERSATION_EVENTS,
  type ContactEvent,
  type ConversationEvent,
  type HueChatEvent,
  MESSAGE_ADDED,
  MESSAGE_STATUS,
  type MessageEvent,
} from '../events/envelope.js';
import type { Delivery } from '../events/hub.js';
import { idSchema } from '../ids.js';
import { builder } from './builder.js';
import type { GatewayContext } from './context.js';
import { MessageRef } from './message.js';
import { ContactRef, ConversationRef } from './refs.js';

const ConversationChangeType = builder.enumType('ConversationChangeType', {
  description: 'What happened to a conversation (the webhook event type).',
  values: {
    CREATED: { value: 'conversation.created', description: 'A new conversation started.' },
    UPDATED: { value: 'conversation.updated', description: 'Its details changed.' },
    RESOLVED: { value: 'conversation.resolved', description: 'It was marked resolved.' },
    ASSIGNED: { value: 'conversation.assigned', description: 'It was assigned to a team member.' },
  } as const,
});

const ContactChangeType = builder.enumType('ContactChangeType', {
  description: 'What happened to a contact (the webhook event type).',
  values: {
    CREATED: { value: 'contact.created', description: 'The contact was added.' },
    UPDATED: { value: 'contact.updated', description: 'Its details changed.' },
    DELETED: {
      value: 'contact.deleted',
      description: 'It was removed, with its conversations and messages.',
    },
  } as const,
});

const ConversationChangeRef = builder.objectRef<ConversationEvent>('ConversationChange').implement({
  description: 'A change to a conversation, as HueChat reported it.',
  fields: (t) => ({
    eventId: t.exposeID('eventId', { description: 'The HueChat event id (evt_…).' }),
    type: t.field({ type: ConversationChangeType, description: 'What happened.', resolve: (e) => e.type }),
    occurredAt: t.field({
      type: 'DateTime',
      description: 'When HueChat recorded it (the event timestamp).',
      resolve: (e) => e.occurredAt,
    }),
    conversation: t.field({
      type: ConversationRef,
      description: 'The conversation as the event reported it.',
      resolve: (e) => e.conversation,
    }),
  }),
});

const ContactChangeRef = builder.objectRef<ContactEvent>('ContactChange').implement({
  description: 'A change to a contact, as HueChat reported it.',
  fields: (t) => ({
    eventId: t.exposeID('eventId', { description: 'The HueChat event id (evt_…).' }),
    type: t.field({ type: ContactChangeType, description: 'What happened.', resolve: (e) => e.type }),
    occurredAt: t.field({
      type: 'DateTime',
      description: 'When HueChat recorded it (the event timestamp).',
      resolve: (e) => e.occurredAt,
    }),
    contactId: t.exposeID('contactId', { description: 'The contact id (cnt_…), deleted ones included.' }),
    contact: t.field({
      type: ContactRef,
      nullable: true,
      description: 'The contact as the event reported it; null when it was deleted.',
      resolve: (e) => e.contact,
    }),
  }),
});

function open(
  ctx: GatewayContext,
  kind: HueChatEvent['kind'],
  accepts: (event: HueChatEvent) => boolean,
): AsyncIterable<Delivery> {
  if (!ctx.live) {
    throw gatewayError('BAD_USER_INPUT', 'Subscriptions are not served on this endpoint; use /graphql');
  }
  return ctx.live.hub.subscribe({ caller: ctx.caller, kind, accepts });
}

/** One event's payload; the subscriber's data layer starts afresh from what the event carries. */
function payload<E extends HueChatEvent>(delivery: Delivery, ctx: GatewayContext): E {
  if ('error' in delivery) throw delivery.error;
  ctx.data.startEvent(changeOf(delivery.event));
  return delivery.event as E;
}

const types = (list: readonly string[]) => new Set<string>(list);
const ADDED = types(MESSAGE_ADDED);
const STATUS = types(MESSAGE_STATUS);
const CONVERSATION = types(CONVERSATION_EVENTS);
const CONTACT = types(CONTACT_EVENTS);

const messageFilter =
  (wanted: Set<string>, args: { conversationId?: string | null; contactId?: string | null }) =>
  (event: HueChatEvent) =>
    event.kind === 'message' &&
    wanted.has(event.type) &&
    (args.conversationId == null || event.message.conversation_id === args.conversationId) &&
    (args.contactId == null || event.message.contact_id === args.contactId);

/** The filters of the two message subscriptions. */
const messageArgs = builder.args((t) => ({
  conversationId: t.id({
    description: 'Only messages of this conversation.',
    validate: idSchema('conversation').nullish(),
  }),
  contactId: t.id({
    description: 'Only messages with this contact.',
    validate: idSchema('contact').nullish(),
  }),
}));

builder.subscriptionType({
  description:
    'Live updates from HueChat webhooks, for your organisation only. Events missed while disconnected are not replayed: refetch on reconnect.',
  fields: (t) => ({
    messageAdded: t.field({
      type: MessageRef,
      description: 'A message received from a contact or sent to one (message.received, message.sent).',
      args: messageArgs,
      subscribe: (_root, args, ctx) => open(ctx, 'message', messageFilter(ADDED, args)),
      resolve: (delivery: Delivery, _args, ctx) => payload<MessageEvent>(delivery, ctx).message,
    }),
    messageStatusChanged: t.field({
      type: MessageRef,
      description: 'A message was delivered or read (message.delivered, message.read).',
      args: messageArgs,
      subscribe: (_root, args, ctx) => open(ctx, 'message', messageFilter(STATUS, args)),
      resolve: (delivery: Delivery, _args, ctx) => payload<MessageEvent>(delivery, ctx).message,
    }),
    conversationChanged: t.field({
      type: ConversationChangeRef,
      description: 'A conversation was created, updated, resolved or assigned.',
      args: {
        id: t.arg.id({
          description: 'Only this conversation.',
          validate: idSchema('conversation').nullish(),
        }),
        contactId: t.arg.id({
          description: 'Only conversations with this contact.',
          validate: idSchema('contact').nullish(),
        }),
      },
      subscribe: (_root, args, ctx) =>
        open(
          ctx,
          'conversation',
          (event) =>
            event.kind === 'conversation' &&
            CONVERSATION.has(event.type) &&
            (args.id == null || event.conversation.id === args.id) &&
            (args.contactId == null || event.conversation.contact_id === args.contactId),
        ),
      resolve: (delivery: Delivery, _args, ctx) => payload<ConversationEvent>(delivery, ctx),
    }),
    contactChanged: t.field({
      type: ContactChangeRef,
      description: 'A contact was created, updated or deleted.',
      args: {
        id: t.arg.id({ description: 'Only this contact.', validate: idSchema('contact').nullish() }),
      },
      subscribe: (_root, args, ctx) =>
        open(
          ctx,
          'contact',
          (event) =>
            event.kind === 'contact' &&
            CONTACT.has(event.type) &&
            (args.id == null || event.contactId === args.id),
        ),
      resolve: (delivery: Delivery, _args, ctx) => payload<ContactEvent>(delivery, ctx),
    }),
  }),
});
