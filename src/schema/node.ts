import type { ContactSource, ConversationSource } from '../data/index.js';
import { builder } from './builder.js';

export const NodeRef = builder.interfaceRef<ContactSource | ConversationSource>('Node').implement({
  description: 'An object with a HueChat id (cnt_… for contacts, conv_… for conversations).',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The HueChat id itself, e.g. cnt_1a2b3c4d5e6f.' }),
  }),
  // The id prefix says what an object is, stub or full (SPEC §1 id prefixes).
  resolveType: (value) => (value.id.startsWith('cnt_') ? 'Contact' : 'Conversation'),
});
