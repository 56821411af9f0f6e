import { builder } from './builder.js';
import { prefetchContactConversations } from './contact.js';
import { prefetchConversationMessages } from './conversation.js';
import { isId } from './ids.js';
import { ContactRef, ConversationRef } from './refs.js';

// Contact and Conversation are federation entities keyed by their HueChat id. A router's
// `_entities` batch goes through the same per-request DataLoaders as every other path:
// N representations cost at most N distinct REST calls, de-duplicated and concurrent.
// Message is not an entity: HueChat has no GET /message/{id}.

builder.asEntity(ContactRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx, info) => {
    if (!isId('contact', ref.id)) return null;
    const pending = ctx.loaders.contact.load(ref.id);
    // As Query.contact: the contact and its selected conversation list go out together.
    prefetchContactConversations(ctx, info, ref.id);
    return pending;
  },
});

builder.asEntity(ConversationRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx, info) => {
    if (!isId('conversation', ref.id)) return null;
    const pending = ctx.loaders.conversation.load(ref.id);
    prefetchConversationMessages(ctx, info, ref.id);
    return pending;
  },
});
