import type { GraphQLSchema } from 'graphql';
import { z } from 'zod';
import { badUserInput } from '../errors.js';
import { builder } from './builder.js';
import { cost } from './cost.js';
import { ContactRef, ConversationRef } from './refs.js';

// Contact and Conversation are federation entities keyed by their HueChat id. A router's
// `_entities` batch goes through the same per-request DataLoaders as every other path:
// N representations cost at most N distinct REST calls, de-duplicated and concurrent.
// Message is not an entity: HueChat has no GET /message/{id}.

builder.asEntity(ContactRef, {
  key: builder.selection<{ id: string }>('id'),
  // As Query.contact: the contact and its selected conversation list go out together.
  resolveReference: (ref, ctx, info) => ctx.data.contacts.byId(ref.id, info),
});

builder.asEntity(ConversationRef, {
  key: builder.selection<{ id: string }>('id'),
  resolveReference: (ref, ctx, info) => ctx.data.conversations.byId(ref.id, info),
});

const ENTITY_TYPES = ['Contact', 'Conversation'] as const;
const representationSchema = z.looseObject({
  __typename: z.enum(ENTITY_TYPES, `must be one of the entity types ${ENTITY_TYPES.join(', ')}`),
  id: z.string('must be a string'),
});

/**
 * Routers send well-formed representations, but `_entities` is reachable by anyone who can reach the
 * subgraph. `@apollo/subgraph` fails the whole list with an untyped error on an unknown `__typename`
 * (and a non-string id would reach the id check): check each representation first, so a bad one is a
 * BAD_USER_INPUT error at its own index and the others still resolve.
 */
export function guardEntities(schema: GraphQLSchema): GraphQLSchema {
  const field = schema.getQueryType()?.getFields()._entities;
  const resolve = field?.resolve;
  if (!field || !resolve) throw new Error('the subgraph schema has no _entities resolver');
  // Declared here, as on every other field that fetches: the plugin builds `_entities` itself.
  field.extensions = {
    ...field.extensions,
    ...cost({ calls: 1, perItemOf: 'representations', freeForIdOnly: true }),
  };
  field.resolve = (source, args: { representations?: unknown[] }, ctx, info) => {
    const representations = args.representations ?? [];
    const checked = representations.map((rep, index) => {
      const parsed = representationSchema.safeParse(rep);
      if (parsed.success) return parsed.data;
      const issue = parsed.error.issues[0];
      const key = issue?.path.join('.') ?? '';
      return badUserInput(
        `representations[${index}]${key ? `.${key}` : ''}: ${issue?.message ?? 'invalid'}`,
        {
          field: `representations.${index}${key ? `.${key}` : ''}`,
          reason: issue?.message ?? 'invalid',
        },
      );
    });
    const valid = checked.filter((c) => !(c instanceof Error));
    if (valid.length === checked.length) return resolve(source, args, ctx, info);
    // An Error as a list item becomes that item's error (null at its index), as graphql-js completes lists.
    const merge = (resolved: unknown[]) => {
      let next = 0;
      return checked.map((c) => (c instanceof Error ? c : resolved[next++]));
    };
    const resolved = resolve(source, { ...args, representations: valid }, ctx, info) as
      | unknown[]
      | Promise<unknown[]>;
    return resolved instanceof Promise ? resolved.then(merge) : merge(resolved);
  };
  return schema;
}
