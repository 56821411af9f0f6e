import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  type ASTNode,
  type DocumentNode,
  GraphQLError,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  getLocation,
  getNullableType,
  isListType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  visit,
} from 'graphql';
import { getVariableValues } from 'graphql/execution/values.js';
import type { Plugin } from 'graphql-yoga';

/**
 * The document's operation when it holds exactly one, else null; looked up once per parsed document
 * (Yoga caches parsed documents, so the same object comes back for the same query text).
 */
const singleOperations = new WeakMap<DocumentNode, OperationDefinitionNode | null>();
function singleOperation(document: DocumentNode): OperationDefinitionNode | null {
  let operation = singleOperations.get(document);
  if (operation === undefined) {
    const all = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    operation = all.length === 1 ? (all[0] as OperationDefinitionNode) : null;
    singleOperations.set(document, operation);
  }
  return operation;
}

/** The field nodes of a document by their "line:column", to give a compiled query's errors their nodes. */
function fieldsByLocation(document: DocumentNode): Map<string, ASTNode> {
  const byLocation = new Map<string, ASTNode>();
  const source = document.loc?.source;
  if (!source) return byLocation;
  visit(document, {
    Field(node) {
      if (!node.loc) return;
      const { line, column } = getLocation(source, node.loc.start);
      byLocation.set(`${line}:${column}`, node);
    },
  });
  return byLocation;
}

/**
 * graphql-jit reports a field error with its locations but without the AST nodes, and Yoga rebuilds
 * every error from its nodes when it writes the response, which would drop `locations`; it also puts
 * `data` before `errors`. Errors get their nodes back here, before masking, and come first again, so
 * clients get the same response whichever executor ran.
 */
const likeGraphqlJs: Plugin = {
  onExecute: ({ args }) => ({
    onExecuteDone: ({ result, setResult }) => {
      if (Symbol.asyncIterator in result || !result.errors?.length) return;
      let nodes: Map<string, ASTNode> | undefined;
      const errors = result.errors.map((error: GraphQLError) => {
        if (error.nodes || !error.locations) return error;
        nodes ??= fieldsByLocation(args.document);
        const found = error.locations.flatMap((l) => nodes?.get(`${l.line}:${l.column}`) ?? []);
        if (found.length === 0) return error;
        return new GraphQLError(error.message, {
          nodes: found,
          path: error.path,
          originalError: error.originalError ?? undefined,
          extensions: error.extensions,
        });
      });
      const { errors: _, data, ...rest } = result;
      setResult({ errors, data, ...rest });
    },
  }),
};

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/** A rejected item becomes its error as a value: both executors report an Error value at the item's path. */
const asValue = (item: PromiseLike<unknown>) =>
  Promise.resolve(item).then(undefined, (error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );

const settled = new WeakSet<GraphQLSchema>();
/**
 * graphql-jit (0.8.7 to 0.8.9) appends `null` to a list when one of its items is a promise that rejects,
 * instead of setting that item: when items after it were already set (a foreign id in `nodes(ids)` is
 * null at once, a later id's REST call answers first), the list comes back longer than asked, with the
 * failed item's slot empty. An Error value in the same place is set at its own index, as graphql-js
 * does with both. So every list field's resolver hands its pending items over as promises that do not
 * reject. graphql-js answers the same either way, so the wrapper stays harmless on its path.
 */
export function settleListItems(schema: GraphQLSchema): void {
  if (settled.has(schema)) return;
  settled.add(schema);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (!isListType(getNullableType(field.type)) || !field.resolve) continue;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve;
      const settleItems = (list: unknown) =>
        Array.isArray(list) && list.some(isThenable)
          ? list.map((item) => (isThenable(item) ? asValue(item) : item))
          : list;
      field.resolve = (source, args, context, info) => {
        const list = resolve(source, args, context, info);
        return isThenable(list) ? Promise.resolve(list).then(settleItems) : settleItems(list);
      };
    }
  }
}

/**
 * Queries run as JavaScript compiled once per document (graphql-jit), instead of being interpreted
 * field by field: a W1 inbox query resolves ~1,000 fields, and the compiled form skips building a
 * resolve-info object and a path for each of them. Everything else takes graphql-js's path, where
 * its behaviour is the reference:
 * - mutations (a write's errors and ordering stay exactly graphql-js's);
 * - a request whose variables do not coerce (graphql-js words the BAD_USER_INPUT message);
 * - documents with more than one operation (the compiled form is cached per document);
 * - subscriptions (none in this schema).
 * Compiled queries are kept per parsed document (a WeakMap), so they live as long as Yoga's bounded parse cache
 * keeps the document.
 */
export function useCompiledQueries(schema: GraphQLSchema): Plugin[] {
  settleListItems(schema);
  const compiled = useGraphQlJit(
    {},
    {
      enableIf: ({ schema, document, operationName, variableValues }) => {
        // The compiled form is cached per document, whichever operation it was compiled for (a failed
        // compilation too): a document holding several operations (as GraphiQL tabs often do) runs on
        // graphql-js. Yoga already refuses an operation name the document does not hold; should one get
        // here, it must not leave a failed compilation in the cache either.
        const operation = singleOperation(document);
        if (operation?.operation !== 'query') return false;
        if (operationName && operation.name?.value !== operationName) return false;
        if (!operation.variableDefinitions?.length) return true;
        const coerced = getVariableValues(
          schema as GraphQLSchema,
          operation.variableDefinitions,
          (variableValues as Record<string, unknown> | undefined) ?? {},
          { maxErrors: 1 },
        );
        return coerced.errors === undefined;
      },
    },
  ) as Plugin;
  return [compiled, likeGraphqlJs];
}
