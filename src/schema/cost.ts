import {
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  getNamedType,
  getNullableType,
  isAbstractType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/**
 * What resolving a field may cost in REST calls, declared beside the field (`extensions: cost(…)`), so
 * the estimate follows the schema: a field without it costs nothing of its own.
 */
export interface UpstreamCost {
  /** REST calls one resolution of the field may make. */
  calls: number;
  /** The argument holding the page size: list fields directly inside hold that many items each. */
  pageSizeArg?: string;
  /** A list argument whose length multiplies the field's items (`nodes(ids)`, `_entities(representations)`). */
  perItemOf?: string;
  /** No call when the selection asks for nothing but `id` and `__typename`, which the parent already holds. */
  freeForIdOnly?: boolean;
}

/** `extensions` of a field that may call HueChat. */
export const cost = (upstreamCost: UpstreamCost) => ({ upstreamCost });

const costOf = (field: GraphQLField<unknown, unknown>) =>
  field.extensions?.upstreamCost as UpstreamCost | undefined;

const FREE = new Set(['id', '__typename']);
const DEFAULT_PAGE_SIZE = 20;

type Variables = Record<string, unknown> | null | undefined;

/** A whole number an argument holds, from a literal or a variable. */
function numberArg(node: FieldNode, name: string, variables: Variables): number | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name)?.value;
  const value =
    arg?.kind === Kind.VARIABLE
      ? variables?.[arg.name.value]
      : arg?.kind === Kind.INT
        ? Number(arg.value)
        : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** How many items a list argument holds (ids of nodes, representations of _entities). */
function listLength(node: FieldNode, name: string, variables: Variables): number | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name)?.value;
  if (arg?.kind === Kind.LIST) return arg.values.length;
  const value = arg?.kind === Kind.VARIABLE ? variables?.[arg.name.value] : undefined;
  return Array.isArray(value) ? value.length : undefined;
}

/**
 * An upper bound on the REST calls an operation can make, from the document and variables alone, before
 * any resolver runs: every field's declared cost, multiplied by the items of its parent, with page sizes
 * multiplied down the tree (loaders and embedded objects often make the real count lower). Each fragment
 * is costed once per page size and reused, so the work is linear in the document's size whatever its
 * spreads multiply to.
 */
export function estimateUpstreamCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Variables,
): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  let operation: OperationDefinitionNode | undefined;
  for (const def of document.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
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

  // Fragments in progress: a spread inside itself is refused by validation; it must not loop here.
  const open = new Set<string>();
  const freeFragments = new Map<string, boolean>();
  const onlyFree = (set: SelectionSetNode | undefined): boolean =>
    (set?.selections ?? []).every((sel) => {
      if (sel.kind === Kind.FIELD) return FREE.has(sel.name.value);
      if (sel.kind === Kind.INLINE_FRAGMENT) return onlyFree(sel.selectionSet);
      const name = sel.name.value;
      let free = freeFragments.get(name);
      if (free === undefined) {
        if (open.has(name)) return true;
        open.add(name);
        free = onlyFree(fragments.get(name)?.selectionSet);
        open.delete(name);
        freeFragments.set(name, free);
      }
      return free;
    });

  const fragmentCosts = new Map<string, number>();
  /** Calls per one item of the parent; `page` is set inside a connection, for its list fields. */
  const costOfSet = (set: SelectionSetNode, type: GraphQLNamedType, page: number | undefined): number => {
    let calls = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        calls += costOfSet(sel.selectionSet, on ?? type, page);
      } else if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        const key = `${name}@${page ?? ''}`;
        let fragmentCost = fragmentCosts.get(key);
        if (fragmentCost === undefined) {
          const fragment = fragments.get(name);
          if (!fragment || open.has(name)) continue;
          open.add(name);
          const on = schema.getType(fragment.typeCondition.name.value) ?? type;
          fragmentCost = costOfSet(fragment.selectionSet, on, page);
          open.delete(name);
          fragmentCosts.set(key, fragmentCost);
        }
        calls += fragmentCost;
      } else {
        const field = fieldOf(type, sel.name.value);
        if (!field || !sel.selectionSet) continue;
        const items = page !== undefined && isListType(getNullableType(field.type)) ? page : 1;
        calls += items * costOfField(sel, field);
      }
    }
    return calls;
  };

  const costOfField = (sel: FieldNode, field: GraphQLField<unknown, unknown>): number => {
    const set = sel.selectionSet as SelectionSetNode;
    const named = getNamedType(field.type);
    const declared = costOf(field);
    if (!declared) return costOfSet(set, named, undefined);
    if (declared.pageSizeArg) {
      const fallback = field.args.find((a) => a.name === declared.pageSizeArg)?.defaultValue;
      const first =
        numberArg(sel, declared.pageSizeArg, variables) ??
        (typeof fallback === 'number' ? fallback : DEFAULT_PAGE_SIZE);
      return declared.calls + costOfSet(set, named, Math.max(first, 0));
    }
    const items = declared.perItemOf ? (listLength(sel, declared.perItemOf, variables) ?? 1) : 1;
    const own = declared.freeForIdOnly && onlyFree(set) ? 0 : declared.calls * items;
    return own + items * costOfSet(set, named, undefined);
  };

  return costOfSet(operation.selectionSet, root, undefined);
}
