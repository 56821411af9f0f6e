import { readFileSync } from 'node:fs';
import { composeServices as composeWithApollo } from '@apollo/composition';
import { composeServices as composeWithGuild } from '@theguild/federation-composition';
import { type DocumentNode, type ObjectTypeDefinitionNode, parse, print } from 'graphql';
import { ORDERS_SDL } from './orders-subgraph.js';

/** The checked-in subgraph SDL of huechat-gateway, as routers and CI compose it. */
export const HUECHAT_SDL = readFileSync(new URL('../../schema/subgraph.graphql', import.meta.url), 'utf8');

export interface SubgraphUrls {
  huechat: string;
  orders: string;
}

/** Placeholder routing URLs for composition-only tests. */
export const PLACEHOLDER_URLS: SubgraphUrls = {
  huechat: 'http://huechat.invalid/subgraph',
  orders: 'http://orders.invalid/graphql',
};

export const services = (urls: SubgraphUrls, ordersSdl = ORDERS_SDL) => [
  { name: 'huechat', typeDefs: parse(HUECHAT_SDL), url: urls.huechat },
  { name: 'orders', typeDefs: parse(ordersSdl), url: urls.orders },
];

/** Supergraph SDL from The Guild's composition (what Hive CLI runs); throws on composition errors. */
export function composeGuildSupergraph(urls: SubgraphUrls): string {
  const result = composeWithGuild(services(urls));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** Supergraph SDL from Apollo's composition (what rover runs); throws on composition errors. */
export function composeApolloSupergraph(urls: SubgraphUrls): string {
  const result = composeWithApollo(services(urls));
  if (result.errors) throw new Error(result.errors.map((e) => e.message).join('\n'));
  return result.supergraphSdl;
}

/** A named object type of a parsed SDL document. */
export function objectType(document: DocumentNode, name: string): ObjectTypeDefinitionNode {
  const type = document.definitions.find(
    (d): d is ObjectTypeDefinitionNode => d.kind === 'ObjectTypeDefinition' && d.name.value === name,
  );
  if (!type) throw new Error(`no type ${name}`);
  return type;
}

/** `field -> graph` from the field's @join__field(graph:) directive (no directive: every graph). */
export function joinFields(type: ObjectTypeDefinitionNode): Record<string, string> {
  return Object.fromEntries(
    (type.fields ?? []).map((field) => {
      const join = field.directives?.find((d) => d.name.value === 'join__field');
      const graph = join?.arguments?.find((a) => a.name.value === 'graph');
      return [field.name.value, graph ? print(graph.value) : '*'];
    }),
  );
}

/** The printed @join__type directives of a type, e.g. `@join__type(graph: HUECHAT, key: "id")`. */
export const joinTypes = (type: ObjectTypeDefinitionNode) =>
  (type.directives ?? []).filter((d) => d.name.value === 'join__type').map((d) => print(d));
