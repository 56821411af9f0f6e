import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  isAbstractType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { gatewayError } from './errors.js';

/** Types whose every appearance may cost one GET (unless only their id is asked). */
const FETCHED = new Set(['Contact', 'Conversation', 'Node', '_Entity']);
/** Fields that need nothing but the object's id, which the parent already holds. */
const FREE = new Set(['id', '__typename']);

type Variables = Record<string, unknown> | null | undefined;

/** A whole number an argument holds, from a literal or a variable. */
function numberArg(node: FieldNode, name: string, variables: Variables): number | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name)?.value;
  const value = arg?.kind === Kind.VARIABLE ? variables?.[arg.name.value] : literal(arg);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
function literal(value: ValueNode | undefined): unknown {
  return value?.kind === Kind.INT ? Number(value.value) : undefined;
}
/** How many items a list argument holds (ids of nodes, representations of _entities). */
function listLength(node: FieldNode, name: string, variables: Variables): number | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name)?.value;
  if (arg?.kind === Kind.LIST) return arg.values.length;
  const value = arg?.kind === Kind.VARIABLE ? variables?.[arg.name.value] : undefined;
  return Array.isArray(value) ? value.length : undefined;
}

/**
 * An upper bound on the REST calls an operation can make: one per connection per parent item, one per
 * Contact or Conversation object per parent item (loaders and embedded objects often make it less),
 * with page sizes multiplied down the tree. It is computed from the document and variables alone,
 * before any resolver runs.
 */
export function estimateUpstreamCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
    else if (def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName))
      operation ??= def;
  }
  if (!operation) return 0;
  const root =
    operation.operation === 'mutation'
      ? schema.getMutationType()
      : operation.operation === 'subscription'
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return 0;

  const fieldOf = (type: GraphQLNamedType, name: string): GraphQLField<unknown, unknown> | undefined => {
    if (isObjectType(type)) return type.getFields()[name];
    if (isAbstractType(type))
      for (const possible of schema.getPossibleTypes(type)) {
        const field = possible.getFields()[name];
        if (field) return field;
      }
    return undefined;
  };
  const onlyFree = (set: SelectionSetNode | undefined, seen: Set<string>): boolean =>
    (set?.selections ?? []).every((sel) => {
      if (sel.kind === Kind.FIELD) return FREE.has(sel.name.value);
      if (sel.kind === Kind.INLINE_FRAGMENT) return onlyFree(sel.selectionSet, seen);
      if (seen.has(sel.name.value)) return true;
      seen.add(sel.name.value);
      return onlyFree(fragments[sel.name.value]?.selectionSet, seen);
    });

  const walk = (set: SelectionSetNode, type: GraphQLNamedType, items: number, seen: Set<string>): number => {
    let calls = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        calls += walk(sel.selectionSet, on ?? type, items, seen);
        continue;
      }
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments[sel.name.value];
        // A fragment spread inside itself is refused by validation; do not loop on it here.
        if (!fragment || seen.has(fragment.name.value)) continue;
        const on = schema.getType(fragment.typeCondition.name.value) ?? type;
        calls += walk(fragment.selectionSet, on, items, new Set(seen).add(fragment.name.value));
        continue;
      }
      const field = fieldOf(type, sel.name.value);
      if (!field || !sel.selectionSet) continue;
      const named = getNamedType(field.type);
      let childItems = items;
      if (named.name.endsWith('Connection')) {
        calls += items;
        const first =
          numberArg(sel, 'first', variables) ??
          (field.args.find((a) => a.name === 'first')?.defaultValue as number | undefined) ??
          20;
        // Inside the connection, `nodes` and `edges` hold `first` items each.
        calls += walkConnection(sel.selectionSet, named, items, items * Math.max(first, 0), seen);
        continue;
      }
      const listed = listLength(sel, 'ids', variables) ?? listLength(sel, 'representations', variables);
      if (listed !== undefined) childItems = items * listed;
      // A connection's edge.node came with the list; any other Contact or Conversation may need a GET.
      const fromList = type.name.endsWith('Edge') && sel.name.value === 'node';
      if (FETCHED.has(named.name) && !fromList && !onlyFree(sel.selectionSet, new Set())) calls += childItems;
      calls += walk(sel.selectionSet, named, childItems, seen);
    }
    return calls;
  };
  const walkConnection = (
    set: SelectionSetNode,
    type: GraphQLNamedType,
    items: number,
    nodes: number,
    seen: Set<string>,
  ): number => {
    let calls = 0;
    for (const sel of set.selections) {
      if (sel.kind !== Kind.FIELD) {
        const inner =
          sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments[sel.name.value]?.selectionSet;
        if (inner && !(sel.kind === Kind.FRAGMENT_SPREAD && seen.has(sel.name.value)))
          calls += walkConnection(inner, type, items, nodes, seen);
        continue;
      }
      const field = fieldOf(type, sel.name.value);
      if (!field || !sel.selectionSet) continue;
      const named = getNamedType(field.type);
      const perItem = sel.name.value === 'edges' || sel.name.value === 'nodes';
      calls += walk(sel.selectionSet, named, perItem ? nodes : items, seen);
    }
    return calls;
  };
  return walk(operation.selectionSet, root, 1, new Set());
}

/**
 * Refuses, before any REST call, an operation that could make more than `limit` upstream calls:
 * `contacts(first: 100) { nodes { conversations(first: 100) { nodes { messages … } } } }` would be ten
 * thousand GETs against the caller's rate limit, and a few such requests would tie up the pool.
 */
export function useUpstreamCallLimit(limit: number): Plugin {
  return {
    onExecute: ({ args, setResultAndStopExecution }) => {
      const estimate = estimateUpstreamCalls(
        args.schema,
        args.document,
        args.operationName,
        args.variableValues,
      );
      if (estimate <= limit) return;
      setResultAndStopExecution({
        errors: [
          gatewayError(
            'QUERY_TOO_EXPENSIVE',
            `This operation could make ${estimate} calls to HueChat; the limit is ${limit}. Ask for smaller pages (first) or fewer nested lists.`,
            { estimatedUpstreamCalls: estimate, limit },
          ),
        ],
      });
    },
  };
}
