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
  | { type: 'message.added'; message: Message }
  /** A message's delivery status moved (delivered, read): its conversation's unread count may have too. */
  | { type: 'message.updated'; message: Message };

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
    case 'message.updated':
      loaders.conversation.clear(change.message.conversation_id);
      return;
  }
}

const idChars = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '');
/** A single GET of the resource: `/conversation/conv_x` with or without a query string. */
const single = (resource: 'contact' | 'conversation', id: string) =>
  new RegExp(`/${resource}/${idChars(id)}(\\?|$)`);
/** Every list: any of them may hold a touched object (counts, order, membership). */
const LIST = /\/(contacts|conversations|messages)(\?|$)/;
/** A contact looked up by id, phone or email: a change to one may answer any of those paths. */
const ANY_CONTACT = /\/contact\/[^/?]+(\?|$)/;

/**
 * Which REST reads (paths under the base path, query string included) a change makes stale for every
 * key: in-flight reads of those paths stop being shared, so nobody joins an answer from before it.
 * Message events: that conversation, its lists and its contact; conversation events: that conversation
 * and the lists; contact events: every contact lookup (phone and email too) and the lists.
 */
export function staleReads(change: Change): (path: string) => boolean {
  switch (change.type) {
    case 'contact.created':
    case 'contact.updated':
    case 'contact.deleted':
      return (path) => LIST.test(path) || ANY_CONTACT.test(path) || path.includes('/conversation/');
    case 'conversation.updated': {
      const conversation = single('conversation', change.conversation.id);
      return (path) => LIST.test(path) || conversation.test(path);
    }
    case 'message.added':
    case 'message.updated': {
      const conversation = single('conversation', change.message.conversation_id);
      const contact = single('contact', change.message.contact_id);
      return (path) => LIST.test(path) || conversation.test(path) || contact.test(path);
    }
  }
}
