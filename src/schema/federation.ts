import { builder } from './builder.js';
import { isId } from './ids.js';
import { ContactRef, ConversationRef } from './refs.js';

// Contact and Conversation are federation entities keyed by their HueChat id. A router's
// `_entities` batch goes through the same per-request DataLoaders as every other path:
// N representations cost at most N distinct REST calls, de-duplicated and concurrent.
// Message is not an entity: HueChat has no GET /message/{id}.

builder.asEntity(ContactRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) => (isId('contact', ref.id) ? ctx.loaders.contact.load(ref.id) : null),
});

builder.asEntity(ConversationRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx) =>
    isId('conversation', ref.id) ? ctx.loaders.conversation.load(ref.id) : null,
});
