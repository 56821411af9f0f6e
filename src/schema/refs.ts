import type { ContactSource, ConversationSource } from '../data/index.js';
import { builder } from './builder.js';

// Contact and Conversation refer to each other; their refs live apart from their implementations.
export const ContactRef = builder.objectRef<ContactSource>('Contact');
export const ConversationRef = builder.objectRef<ConversationSource>('Conversation');

export const ContactConnectionRef = builder.connectionObject(
  {
    type: ContactRef,
    name: 'ContactConnection',
    description: 'A page of contacts.',
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many contacts match, across all pages.',
        resolve: (parent) => (parent as unknown as { totalCount: number }).totalCount,
      }),
    }),
  },
  { name: 'ContactEdge', description: 'A contact in a page, with its cursor.' },
);

export const ConversationConnectionRef = builder.connectionObject(
  {
    type: ConversationRef,
    name: 'ConversationConnection',
    description: 'A page of conversations.',
    fields: (t) => ({
      totalCount: t.int({
        description: 'How many conversations match, across all pages.',
        resolve: (parent) => (parent as unknown as { totalCount: number }).totalCount,
      }),
    }),
  },
  { name: 'ConversationEdge', description: 'A conversation in a page, with its cursor.' },
);
