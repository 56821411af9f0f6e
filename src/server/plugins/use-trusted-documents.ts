import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { GraphQLError } from 'graphql';
import type { GraphQLParams, Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { gatewayError } from '../../errors.js';

/**
 * GraphQL Code Generator's client preset manifest (`persistedDocuments` with sha256): id -> document,
 * the id a sha256 hex digest, with the `sha256:` prefix the preset writes or without it.
 */
const manifestSchema = z.record(
  z.string().regex(/^(?:sha256:)?[0-9a-f]{64}$/, 'a sha256 hex digest'),
  z.string().min(1, 'a GraphQL document'),
);

export interface TrustedDocumentsOptions {
  /** Path of the JSON manifest `{ "<sha256 hex>": "<document>" }`. */
  path: string;
  /** `require`: only documents of the manifest run; `allow`: plain queries run too. */
  mode: 'allow' | 'require';
}

/** Reads and checks the manifest once, at start-up; a bad file stops the process with one line. */
export function loadTrustedDocuments(path: string): Map<string, string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`PERSISTED_DOCUMENTS: cannot read ${path} as JSON (${(error as Error).message})`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // A bad key is reported by zod as "Invalid key in record", with the key's own message inside.
    const inner =
      issue && 'issues' in issue ? (issue.issues as { message: string }[])[0]?.message : undefined;
    throw new Error(
      `PERSISTED_DOCUMENTS: ${path} is not a manifest of sha256 hex ids to documents (${issue?.path.join('.') || 'root'}: ${inner ?? issue?.message})`,
    );
  }
  return new Map(Object.entries(parsed.data).map(([id, document]) => [id.replace(/^sha256:/, ''), document]));
}

const HEX_ID = /^(?:sha256:)?([0-9a-f]{64})$/;

/** `documentId` ("sha256:<hex>" or "<hex>"), or Apollo's `extensions.persistedQuery.sha256Hash`. */
function documentIdOf(params: GraphQLParams & { documentId?: unknown }): string | null {
  const raw =
    typeof params.documentId === 'string'
      ? params.documentId
      : (params.extensions?.persistedQuery as { sha256Hash?: unknown } | undefined)?.sha256Hash;
  if (typeof raw !== 'string') return null;
  // An id that is not a sha256 digest cannot be in the manifest: it is looked up as is and not found.
  return HEX_ID.exec(raw)?.[1] ?? raw;
}

const notFoundError = () =>
  gatewayError('PERSISTED_QUERY_NOT_FOUND', 'No trusted document has this documentId.', undefined, 400);
const queryOnlyError = () =>
  gatewayError(
    'PERSISTED_QUERY_ONLY',
    'This gateway runs trusted documents only: send {"documentId": "sha256:<hex>"} instead of a query.',
    undefined,
    400,
  );

/**
 * The same rule for a transport that does not go through Yoga's request parsing (GraphQL over
 * WebSocket, whose subscribe message carries `query` and `extensions`): the id in
 * `extensions.documentId` or `extensions.persistedQuery.sha256Hash` picks the document; in `require`
 * mode anything else is refused.
 */
export function trustedQuery(
  params: { query?: string; extensions?: Record<string, unknown> | null },
  mode: TrustedDocumentsOptions['mode'],
  documents: Map<string, string>,
): string | GraphQLError {
  const id = documentIdOf({
    documentId: params.extensions?.documentId,
    extensions: params.extensions ?? undefined,
  });
  if (id !== null) return documents.get(id) ?? notFoundError();
  if (mode === 'require' || !params.query) return queryOnlyError();
  return params.query;
}

/**
 * CONTRACT §9 trusted documents, on @graphql-yoga/plugin-persisted-operations: a request sends the id of
 * a document from the manifest instead of its text. In `require` mode any other request is refused
 * before parsing, a plain `query` even when its text is in the manifest (clients must not be able to
 * tell which texts are trusted by trying them).
 */
export function useTrustedDocuments(
  options: TrustedDocumentsOptions,
  documents = loadTrustedDocuments(options.path),
): Plugin {
  return usePersistedOperations({
    allowArbitraryOperations: options.mode === 'allow',
    extractPersistedOperationId: (params) => documentIdOf(params),
    getPersistedOperation: (id) => documents.get(id) ?? null,
    customErrors: {
      notFound: notFoundError,
      persistedQueryOnly: queryOnlyError,
      keyNotFound: () =>
        gatewayError('BAD_REQUEST', 'The request has neither a query nor a documentId.', undefined, 400),
    },
  }) as Plugin;
}
