import { builder } from './builder.js';
import './scalars.js';
import './enums.js';
import './node.js';
import './contact.js';
import './message.js';
import './conversation.js';
import './node-queries.js';
import './subscription.js';
import { guardEntities } from './federation.js';

builder.queryType({ description: 'Read your HueChat contacts, conversations and messages.' });
builder.mutationType({ description: 'Change contacts and conversations, and send messages.' });

/** The public schema, for frontends: no federation fields. */
export const schema = builder.toSchema({ sortSchema: true });

/** The same types as an Apollo Federation v2 subgraph (`_service`, `_entities`, `@key`), for routers. */
export const subgraphSchema = guardEntities(
  builder.toSubGraphSchema({
    linkUrl: 'https://specs.apollo.dev/federation/v2.6',
    federationDirectives: ['@key'],
    sortSchema: true,
  }),
);
