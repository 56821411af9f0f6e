import type { ObjectRef, SchemaTypes } from '@pothos/core';
import { builder } from './builder.js';

type BuilderTypes = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : SchemaTypes;

/**
 * A Relay connection of `ref` with `totalCount` (the REST list's total): `name` is `XxxConnection`, its
 * edge type `XxxEdge`. The resolvers hand it the shape of `toConnection` (data/pages.ts).
 */
export function connectionOf<Shape>(
  ref: ObjectRef<BuilderTypes, Shape>,
  name: string,
  text: { connection: string; totalCount: string; edge: string },
) {
  return builder.connectionObject(
    {
      type: ref,
      name: `${name}Connection`,
      description: text.connection,
      fields: (t) => ({
        totalCount: t.int({
          description: text.totalCount,
          resolve: (parent) => (parent as unknown as { totalCount: number }).totalCount,
        }),
      }),
    },
    { name: `${name}Edge`, description: text.edge },
  );
}
