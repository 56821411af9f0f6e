import type { DocumentNode } from 'graphql';
import type { YogaServerOptions } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { tokenCountOf } from './plugins/use-operation-limits.js';

/** Most distinct documents kept parsed (and, through them, validated and compiled). */
const MAX_DOCUMENTS = 1_000;
/**
 * What the kept documents may weigh together, estimated: the query text as the cache key, plus the
 * parsed AST and what hangs off it (validation result, compiled query) per token. A parsed inbox query
 * holds about 330 bytes of heap a token; the compiled form adds more, so 512 is a round upper guess.
 * An app's few dozen operations take well under a megabyte; a flood of distinct hostile documents
 * evicts itself instead of growing the heap.
 */
const MAX_ESTIMATED_BYTES = 16 * 1024 * 1024;
const BYTES_PER_TOKEN = 512;

type CacheOptions = Exclude<
  YogaServerOptions<object, object>['parserAndValidationCache'],
  boolean | undefined
>;

/**
 * Yoga's parse cache, bounded by size as well as count. Yoga's default keeps 1,000 documents of any
 * size for an hour, keyed by their full text: 1,000 distinct 2 MB requests (a long comment or string
 * under a small query) pin 2 GB. Validation results and compiled queries are kept per parsed document
 * (WeakMaps), so they go when it goes. Parse errors are not kept at all: re-parsing a refused
 * document is bounded by MAX_TOKENS, and a cache of them would be a store for whatever a client sends.
 */
export function boundedDocumentCache(): CacheOptions {
  const documents = new LRUCache<string, DocumentNode>({
    max: MAX_DOCUMENTS,
    maxSize: MAX_ESTIMATED_BYTES,
    // A document parsed elsewhere has no count: at most one token per two characters of text.
    sizeCalculation: (document, text) =>
      text.length + (tokenCountOf(document) ?? Math.ceil(text.length / 2)) * BYTES_PER_TOKEN,
  });
  return {
    documentCache: {
      get: (text) => documents.get(text),
      set: (text, document) => {
        documents.set(text, document);
      },
    },
    errorCache: { get: () => undefined, set: () => undefined },
  };
}
