import type { DocumentNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { boundedDocumentCache } from '../../src/server/document-cache.js';
import { useOperationLimits } from '../../src/server/plugins/use-operation-limits.js';

/** The gateway's own parse (graphql-js with MAX_TOKENS), which records each document's token count. */
function gatewayParse() {
  let parseFn: ((text: string) => DocumentNode) | undefined;
  const limits = useOperationLimits({ maxDepth: 12, maxAliases: 30, maxTokens: 5_000, maxDirectives: 50 });
  limits.onParse?.({
    setParseFn: (fn: (text: string) => DocumentNode) => {
      parseFn = fn;
    },
  } as never);
  return parseFn as (text: string) => DocumentNode;
}

describe('the parse cache', () => {
  it('keeps at most what its size bound allows of distinct hostile documents', () => {
    const { documentCache } = boundedDocumentCache();
    const parse = gatewayParse();
    // A megabyte of comment around a small query: each text is distinct, as a flood's would be.
    const texts = Array.from({ length: 200 }, (_, i) => `#${'x'.repeat(1_000_000)}\n{ n${i}: __typename }`);
    for (const text of texts) documentCache?.set(text, parse(text));

    const kept = texts.filter((text) => documentCache?.get(text) !== undefined).length;
    // 16 MB of estimated size: at most 16 one-megabyte texts, the newest.
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(16);
    expect(documentCache?.get(texts[texts.length - 1])).toBeDefined();
    expect(documentCache?.get(texts[0])).toBeUndefined();
  });

  it('weighs a document by its tokens as well as its text', () => {
    const { documentCache } = boundedDocumentCache();
    const parse = gatewayParse();
    // 2,451 tokens in 10 KB of text: 16 MB would hold 1,600 such texts, but only 13 such documents.
    const texts = Array.from(
      { length: 100 },
      (_, i) => `{ ${Array.from({ length: 2_449 }, () => `a${i}`).join(' ')} }`,
    );
    for (const text of texts) documentCache?.set(text, parse(text));

    const kept = texts.filter((text) => documentCache?.get(text) !== undefined).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(13);
  });

  it('keeps no parse errors', () => {
    const { errorCache } = boundedDocumentCache();
    errorCache?.set('{', new Error('Syntax Error'));
    expect(errorCache?.get('{')).toBeUndefined();
  });
});
