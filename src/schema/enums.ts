import { builder } from './builder.js';

/** REST lowercase values become UPPER_CASE GraphQL values; the internal value stays the REST string. */
function restEnum<const V extends string>(name: string, description: string, values: Record<V, string>) {
  return builder.enumType(name, {
    description,
    values: Object.fromEntries(
      Object.entries<string>(values).map(([value, desc]) => [
        value.toUpperCase(),
        { value, description: desc },
      ]),
    ) as Record<Uppercase<V>, { value: V; description: string }>,
  });
}

export const Channel = restEnum('Channel', 'A messaging channel connected to HueChat.', {
  whatsapp: 'WhatsApp Business (templates outside the 24-hour customer window).',
  instagram: 'Instagram direct messages.',
  sms: 'SMS text messages.',
  email: 'Email.',
});

export const ContactStatus = restEnum('ContactStatus', 'Whether a contact is active.', {
  active: 'The contact can be messaged.',
  inactive: 'The contact is kept but not messaged.',
  deleted: 'The contact has been deleted (HueChat normally removes deleted contacts entirely).',
});

export const ConversationStatus = restEnum('ConversationStatus', 'Where a conversation stands.', {
  open: 'Awaiting or receiving replies.',
  closed: 'Resolved.',
  archived: 'Archived; new messages start a new conversation.',
});

export const ConversationPriority = restEnum('ConversationPriority', 'How urgent a conversation is.', {
  low: 'Low priority.',
  medium: 'Medium priority (the default for new conversations).',
  high: 'High priority.',
});

export const MessageType = restEnum('MessageType', 'What a message carries.', {
  text: 'Plain text in `content`.',
  template: 'An approved WhatsApp template with positional parameters.',
  image: 'An image; `content` holds its URL.',
  document: 'A document such as a PDF; `content` holds its URL.',
});

export const MessageStatus = restEnum('MessageStatus', 'Delivery state of a message.', {
  sent: 'Handed to the channel provider.',
  delivered: "Reached the recipient's device.",
  read: 'Opened by the recipient.',
  failed: 'Could not be sent; see `error`.',
});

export const MessageSender = restEnum('MessageSender', 'Who sent a message.', {
  user: 'A user of your HueChat organisation (or the API).',
  contact: 'The contact (an inbound message).',
  system: 'HueChat itself (automations, notices).',
});

export const ConversationOrder = builder.enumType('ConversationOrder', {
  description: 'Sort order for conversation lists.',
  values: {
    CREATED_AT_DESC: { value: 'created_at:desc' as const, description: 'Newest conversations first.' },
    LAST_MESSAGE_AT_DESC: {
      value: 'last_message_at:desc' as const,
      description: 'Most recent activity first (conversations without messages last).',
    },
  },
});
