import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  getArgumentValues,
  Kind,
  type SelectionSetNode,
} from 'graphql';

/**
 * The argument values of every `fieldName` selected directly under the current field (through
 * fragments too). Lookups use it to start a child list's GET together with the parent's GET, so
 * `contact(id) { conversations }` waits for one round trip instead of two.
 */
export function selectedChildArgs(
  info: GraphQLResolveInfo,
  typeName: string,
  fieldName: string,
): Record<string, unknown>[] {
  const type = info.schema.getType(typeName) as GraphQLObjectType | undefined;
  const fieldDef = type?.getFields()[fieldName];
  if (!fieldDef) return [];
  const found: Record<string, unknown>[] = [];
  const visit = (set: SelectionSetNode | undefined) => {
    for (const sel of set?.selections ?? []) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === fieldName) found.push(argsOf(sel));
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (
          !sel.typeCondition ||
          sel.typeCondition.name.value === typeName ||
          sel.typeCondition.name.value === 'Node'
        )
          visit(sel.selectionSet);
      } else {
        const frag = info.fragments[sel.name.value];
        if (frag && (frag.typeCondition.name.value === typeName || frag.typeCondition.name.value === 'Node'))
          visit(frag.selectionSet);
      }
    }
  };
  const argsOf = (node: FieldNode) => {
    try {
      return getArgumentValues(fieldDef, node, info.variableValues);
    } catch {
      return {};
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet);
  return found;
}
