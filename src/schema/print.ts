import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema, subgraphSchema } from './index.js';

/** The checked-in SDL files, by name, exactly as the code defines them. */
export function printedSchemas(): Record<string, string> {
  return {
    'schema.graphql': `${printSchema(lexicographicSortSchema(schema))}\n`,
    'subgraph.graphql': `${printSubgraphSchema(lexicographicSortSchema(subgraphSchema))}\n`,
  };
}
