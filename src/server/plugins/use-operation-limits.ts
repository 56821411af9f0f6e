import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  type ParseOptions,
  type Source,
  type ValidationContext,
  type ValidationRule,
  validate,
} from 'graphql';
import { Parser } from 'graphql/language/parser.js';
import type { Plugin } from 'graphql-yoga';
import type { OperationLimits } from '../../config.js';
import { type ErrorCode, gatewayError } from '../../errors.js';

const refused = new WeakSet<GraphQLError>();
const refusal = (code: ErrorCode, message: string, details: Record<string, unknown>) => {
  const error = gatewayError(code, message, details, 400);
  refused.add(error);
  return error;
};

/** The token count of each document this plugin parsed, for the parse cache's sizing. */
const tokenCounts = new WeakMap<DocumentNode, number>();
export const tokenCountOf = (document: DocumentNode): number | undefined => tokenCounts.get(document);

/**
 * graphql-js's own parser with its `maxTokens` option: parsing stops at the first token past the limit,
 * so a document of any size costs at most that many tokens of work and recursion. Its message ("more
 * that N tokens") is replaced by one naming the setting, with MAX_TOKENS_LIMIT.
 */
function limitedParse(limits: OperationLimits) {
  const { maxTokens } = limits;
  return (source: string | Source, options?: ParseOptions): DocumentNode => {
    const parser = new Parser(source, { ...options, maxTokens });
    let document: DocumentNode;
    try {
      document = parser.parseDocument();
    } catch (error) {
      if (error instanceof GraphQLError && /contains more th[ae]t? \d+ tokens/.test(error.message))
        throw refusal(
          'MAX_TOKENS_LIMIT',
          `The document has more than ${maxTokens} tokens (MAX_TOKENS); send a smaller document.`,
          { limit: maxTokens },
        );
      // Within the token limit the parser's recursion stays far from the stack's end; this is a guard.
      if (error instanceof RangeError)
        throw refusal(
          'MAX_DEPTH_LIMIT',
          `The document is nested too deeply to parse; the limit is ${limits.maxDepth} (MAX_DEPTH).`,
          { limit: limits.maxDepth },
        );
      throw error;
    }
    tokenCounts.set(document, parser.tokenCount);
    return document;
  };
}

type Found = { code: ErrorCode; message: string; limit: number; found: number };

/**
 * graphql-armor's counting rules, run alone and first: each walks the operation once, every fragment
 * counted once and reused, so a fragment bomb costs no more than its text. Only a document within all
 * of them goes on to graphql-js's validation rules (OverlappingFieldsCanBeMerged among them), which
 * are not linear in what the spreads multiply to.
 */
function limitRules(limits: OperationLimits, found: Found[]): ValidationRule[] {
  const reject =
    (code: ErrorCode, setting: string, what: string, limit: number) =>
    (_context: ValidationContext | null, error: GraphQLError) => {
      const count = Number(/found (\d+)/.exec(error.message)?.[1] ?? Number.NaN);
      found.push({
        code,
        limit,
        found: count,
        message: `The operation ${what}${Number.isFinite(count) ? ` (${count})` : ''}; the limit is ${limit} (${setting}).`,
      });
    };
  const common = { exposeLimits: true, propagateOnRejection: false };
  return [
    maxDepthRule({
      ...common,
      n: limits.maxDepth,
      flattenFragments: true,
      // Introspection is as deep as the schema; GraphiQL's own query must pass.
      ignoreIntrospection: true,
      onReject: [reject('MAX_DEPTH_LIMIT', 'MAX_DEPTH', 'is nested too deeply', limits.maxDepth)],
    }),
    maxAliasesRule({
      ...common,
      n: limits.maxAliases,
      // Every alias counts, `__typename` ones too (armor lets those through by default): a flood of them
      // still costs a field each to validate, execute and serialize.
      allowList: [],
      onReject: [reject('MAX_ALIASES_LIMIT', 'MAX_ALIASES', 'has too many aliases', limits.maxAliases)],
    }),
    maxDirectivesRule({
      ...common,
      n: limits.maxDirectives,
      onReject: [
        reject('MAX_DIRECTIVES_LIMIT', 'MAX_DIRECTIVES', 'has too many directives', limits.maxDirectives),
      ],
    }),
  ];
}

/**
 * Enforces the operation limits before any REST call: tokens while parsing, then depth, aliases and
 * directives before graphql-js's own validation rules run. A refusal is HTTP 400 with a fixed code.
 */
export function useOperationLimits(limits: OperationLimits): Plugin {
  const parse = limitedParse(limits);
  // Per parsed document, which Yoga's parse cache hands back for the same text: checked once.
  const checked = new WeakMap<DocumentNode, GraphQLError[]>();
  const check = (schema: GraphQLSchema, document: DocumentNode): GraphQLError[] => {
    const found: Found[] = [];
    try {
      validate(schema, document, limitRules(limits, found));
    } catch (error) {
      // The counting rules recurse once per level; a document that parsed this deep is far past MAX_DEPTH.
      if (!(error instanceof RangeError)) throw error;
      return [
        refusal(
          'MAX_DEPTH_LIMIT',
          `The operation is nested too deeply to check; the limit is ${limits.maxDepth} (MAX_DEPTH).`,
          {
            limit: limits.maxDepth,
          },
        ),
      ];
    }
    return found.map(({ code, message, limit, found: count }) =>
      refusal(code, message, Number.isFinite(count) ? { limit, found: count } : { limit }),
    );
  };
  return {
    onParse: ({ setParseFn }) => {
      setParseFn(parse);
    },
    // Yoga marks every parse error as a GraphQL-over-HTTP one (answered 200 to application/json
    // clients) after the parse hooks of plugins have run; a limit's refusal keeps its 400 for all.
    onResultProcess: ({ result }) => {
      for (const one of Array.isArray(result) ? result : [result]) {
        const errors = (one as { errors?: readonly unknown[] } | null)?.errors;
        for (const error of errors ?? []) {
          if (error instanceof GraphQLError && refused.has(error))
            (error.extensions.http as { spec?: boolean }).spec = false;
        }
      }
    },
    onValidate: ({ params, setResult }) => {
      const { schema, documentAST } = params as { schema: GraphQLSchema; documentAST: DocumentNode };
      let refusals = checked.get(documentAST);
      if (refusals === undefined) {
        refusals = check(schema, documentAST);
        checked.set(documentAST, refusals);
      }
      if (refusals.length > 0) setResult(refusals);
    },
  };
}
