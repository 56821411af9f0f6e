import type { Contact } from '../upstream/contacts.js';
import type { Conversation } from '../upstream/conversations.js';
import type { Message } from '../upstream/messages.js';
import type { Loaders } from './loaders.js';

/**
 * A change HueChat made, as a write through the gateway learnt it from its answer. The same changes
 * arrive as webhook events; each says which resources it touched, so one table decides what is stale.
 */
export type Change =
  | { type: 'contact.created'; contact: Contact }
  | { type: 'contact.updated'; contact: Contact }
  | { type: 'contact.deleted'; contactId: string }
  | { type: 'conversation.updated'; conversation: Conversation }
  | { type: 'message.added'; message: Message };

/**
 * What a change makes stale in this request's loaders, and what its answer already tells. Every list
 * may hold a touched object (counts, order and membership may have moved), so lists always go.
 */
export function applyChange(loaders: Loaders, change: Change): void {
  loaders.clearLists();
  switch (change.type) {
    case 'contact.created':
      loaders.primeContact(change.contact);
      return;
    case 'contact.updated':
      // Contacts found by phone or email are cached under those too: drop them all.
      loaders.contact.clearAll();
      loaders.primeContact(change.contact);
      return;
    case 'contact.deleted':
      // The cascade removes the contact's conversations and messages (SPEC E4).
      loaders.contact.clearAll();
      loaders.conversation.clearAll();
      return;
    case 'conversation.updated':
      loaders.primeConversation(change.conversation);
      return;
    case 'message.added':
      // The conversation's counters and preview moved, and so did the contact's last_contacted.
      loaders.conversation.clear(change.message.conversation_id);
      loaders.contact.clearAll();
      return;
  }
}
