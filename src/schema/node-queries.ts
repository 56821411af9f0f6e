import { z } from 'zod';
import { builder } from './builder.js';
import { prefetchContactConversations } from './contact.js';
import { prefetchConversationMessages } from './conversation.js';
import { NodeRef, nodeKind } from './node.js';

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description: 'Any object by its HueChat id (cnt_… or conv_…); null when it does not exist.',
    args: { id: t.arg.id({ required: true, description: 'A contact or conversation id.' }) },
    resolve: (_root, { id }, ctx, info) => {
      const value = String(id);
      switch (nodeKind(value)) {
        case 'contact':
          prefetchContactConversations(ctx, info, value);
          return ctx.loaders.contact.load(value);
        case 'conversation':
          prefetchConversationMessages(ctx, info, value);
          return ctx.loaders.conversation.load(value);
        default:
          return null;
      }
    },
  }),
  nodes: t.field({
    type: [NodeRef],
    nullable: { list: false, items: true },
    description: 'Objects by id, in the order given, null for missing ones. At most 100 ids.',
    args: {
      ids: t.arg.idList({
        required: true,
        description: 'Contact or conversation ids.',
        validate: z.array(z.unknown()).max(100, 'at most 100 ids'),
      }),
    },
    resolve: (_root, { ids }, ctx) =>
      ids.map((id) => {
        const value = String(id);
        switch (nodeKind(value)) {
          case 'contact':
            return ctx.loaders.contact.load(value);
          case 'conversation':
            return ctx.loaders.conversation.load(value);
          default:
            return null;
        }
      }),
  }),
}));
