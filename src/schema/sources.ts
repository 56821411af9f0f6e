import type { GatewayContext } from '../context.js';
import { notFound } from '../errors.js';
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

export async function loadContact(ctx: GatewayContext, source: ContactSource): Promise<Contact> {
  if (!('stub' in source)) return source;
  const contact = await ctx.loaders.contact.load(source.id);
  if (!contact) throw ctx.loaders.notFoundError('contact', source.id) ?? notFound('contact', source.id);
  return contact;
}

export async function loadConversation(
  ctx: GatewayContext,
  source: ConversationSource,
): Promise<Conversation> {
  if (!('stub' in source)) return source;
  const conversation = await ctx.loaders.conversation.load(source.id);
  if (!conversation)
    throw ctx.loaders.notFoundError('conversation', source.id) ?? notFound('conversation', source.id);
  return conversation;
}

/** A conversation's contact: the embedded object when it is complete, else a stub. */
export function contactOf(conversation: Conversation): ContactSource {
  const embedded = conversation.contact;
  if (embedded && 'first_name' in embedded) return embedded;
  return contactStub(conversation.contact_id, embedded ?? undefined);
}
