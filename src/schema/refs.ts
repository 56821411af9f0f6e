import type { ContactSource, ConversationSource } from '../data/index.js';
import { builder } from './builder.js';
import { connectionOf } from './connection.js';

// Contact and Conversation refer to each other; their refs live apart from their implementations.
export const ContactRef = builder.objectRef<ContactSource>('Contact');
export const ConversationRef = builder.objectRef<ConversationSource>('Conversation');

export const ContactConnectionRef = connectionOf(ContactRef, 'Contact', {
  connection: 'A page of contacts.',
  totalCount: 'How many contacts match, across all pages.',
  edge: 'A contact in a page, with its cursor.',
});

export const ConversationConnectionRef = connectionOf(ConversationRef, 'Conversation', {
  connection: 'A page of conversations.',
  totalCount: 'How many conversations match, across all pages.',
  edge: 'A conversation in a page, with its cursor.',
});
