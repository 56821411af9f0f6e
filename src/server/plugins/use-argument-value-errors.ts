import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  ValuesOfCorrectTypeRule,
  validate,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { requestInputError } from '../../errors.js';

/**
 * An argument value that cannot be what its type says (`first: "ten"`, `orderBy: FOO`, a phone that
 * is not E.164, an input without its required field) is the caller's bad input, whether it came as a
 * variable or was written into the document. graphql-js reports the literal kind as a validation
 * error, which Yoga codes GRAPHQL_VALIDATION_FAILED; CONTRACT §4 says BAD_USER_INPUT, as the same
 * mistake in a variable already is. Other validation errors (unknown fields, bad syntax) keep their code.
 */
export function useArgumentValueErrors(): Plugin {
  return {
    onValidate: ({ params }) => {
      const { schema, documentAST } = params as { schema: GraphQLSchema; documentAST: DocumentNode };
      return ({ valid, result, setResult }) => {
        if (valid) return;
        // Only for documents that failed anyway: one more rule over a document that is already rejected.
        const valueErrors = validate(schema, documentAST, [ValuesOfCorrectTypeRule]);
        if (valueErrors.length === 0) return;
        const isValueError = (error: GraphQLError) =>
          valueErrors.some(
            (v) =>
              v.message === error.message && JSON.stringify(v.locations) === JSON.stringify(error.locations),
          );
        setResult(
          (result as GraphQLError[]).map((error) => {
            if (!(error instanceof GraphQLError) || !isValueError(error)) return error;
            const own = error.originalError instanceof GraphQLError ? error.originalError : undefined;
            const code = error.extensions.code;
            // Our scalars raise coded errors with details; graphql-js's own messages get the code alone.
            const extensions =
              code && code !== 'GRAPHQL_VALIDATION_FAILED' ? error.extensions : (own?.extensions ?? {});
            return requestInputError(error.message, error.nodes, { ...extensions, code: 'BAD_USER_INPUT' });
          }),
        );
      };
    },
  };
}
