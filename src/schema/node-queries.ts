import { z } from 'zod';
import { builder } from './builder.js';
import { cost } from './cost.js';
import { NodeRef } from './node.js';

builder.queryFields((t) => ({
  node: t.field({
    type: NodeRef,
    nullable: true,
    description: 'Any object by its HueChat id (cnt_… or conv_…); null when it does not exist.',
    args: { id: t.arg.id({ required: true, description: 'A contact or conversation id.' }) },
    extensions: cost({ calls: 1, freeForIdOnly: true }),
    resolve: (_root, { id }, ctx, info) => ctx.data.node(String(id), info),
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
    extensions: cost({ calls: 1, perItemOf: 'ids', freeForIdOnly: true }),
    resolve: (_root, { ids }, ctx) => ids.map((id) => ctx.data.node(String(id))),
  }),
}));
