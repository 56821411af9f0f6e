import type { Contact, ContactSummary } from '../upstream/contacts.js';
import type { Conversation } from '../upstream/conversations.js';

/**
 * What a Contact or Conversation field may start from: the full REST object, or only its id (plus
 * a summary when a REST answer embedded one). Fields that the stub can answer cost no REST call;
 * the others load the object once per request through the DataLoader.
 */
export interface ContactStub {
  stub: 'contact';
  id: string;
  summary?: ContactSummary;
}
export interface ConversationStub {
  stub: 'conversation';
  id: string;
  /** Known when the stub comes from a message, which carries both ids. */
  contactId?: string;
}
export type ContactSource = Contact | ContactStub;
export type ConversationSource = Conversation | ConversationStub;

export const contactStub = (id: string, summary?: ContactSummary): ContactStub => ({
  stub: 'contact',
  id,
  summary,
});
export const conversationStub = (id: string, contactId?: string): ConversationStub => ({
  stub: 'conversation',
  id,
  contactId,
});

/** A conversation's contact: the embedded object when it is complete, else a stub. */
export function contactOf(conversation: Conversation): ContactSource {
  const embedded = conversation.contact;
  if (embedded && 'first_name' in embedded) return embedded;
  return contactStub(conversation.contact_id, embedded ?? undefined);
}
