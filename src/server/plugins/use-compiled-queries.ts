import { useGraphQlJit } from '@envelop/graphql-jit';
import {
  type ASTNode,
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getLocation,
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
export function useCompiledQueries(): Plugin[] {
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
