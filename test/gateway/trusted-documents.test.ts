import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { print } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadTrustedDocuments } from '../../src/server/plugins/use-trusted-documents.js';
import { InboxDocument, NodesByIdsDocument } from '../gql/graphql.js';
import { describeCalls, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

/** The manifest `npm run codegen` writes for test/operations (client preset, persistedDocuments). */
const MANIFEST = fileURLToPath(new URL('../gql/persisted-documents.json', import.meta.url));
const hashOf = (document: { __meta__?: { hash?: string } }) => String(document.__meta__?.hash);

const post = async (url: string, body: unknown, accept?: string) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-api-key': SANDBOX_KEY,
      ...(accept ? { accept } : {}),
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      data?: unknown;
      errors?: { message: string; extensions?: { code?: string } }[];
    },
  };
};

describe('trusted documents in require mode (PERSISTED_DOCUMENTS_MODE=require)', () => {
  let stack: Stack;
  let contactId: string;
  beforeAll(async () => {
    stack = await startStack({
      sandbox: { seedContacts: 4 },
      gateway: { trustedDocuments: { path: MANIFEST, mode: 'require' } },
    });
    // Plain queries are refused here: the id comes from HueChat itself.
    const res = await fetch(`${stack.sandbox.url}/contacts?limit=1`, {
      headers: { 'x-api-key': SANDBOX_KEY },
    });
    contactId = ((await res.json()) as { data: { id: string }[] }).data[0]?.id ?? '';
    expect(contactId).toMatch(/^cnt_/);
  });
  beforeEach(() => stack.resetCalls());
  afterAll(() => stack.close());

  it.each([
    ['sha256:<hex>', (hash: string) => hash],
    ['the bare hex digest', (hash: string) => hash.replace('sha256:', '')],
  ])('runs a manifest document sent by its id as %s', async (_form, id) => {
    const res = await post(stack.url, {
      documentId: id(hashOf(InboxDocument as never)),
      variables: { id: contactId, conversations: 2, messages: 1 },
    });

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toMatchObject({
      contact: { id: contactId, conversations: { nodes: expect.any(Array) } },
    });
    expect(describeCalls(stack.calls())[0]).toBe(`GET /v2/contact/${contactId}`);
  });

  it('refuses an unknown id with 400 PERSISTED_QUERY_NOT_FOUND and no REST call', async () => {
    const res = await post(stack.url, { documentId: `sha256:${'0'.repeat(64)}` });

    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([
      {
        message: 'No trusted document has this documentId.',
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
      },
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it.each([
    ['a query that is not in the manifest', '{ contacts(first: 1) { totalCount } }'],
    ['the text of a manifest document', print(InboxDocument)],
  ])('refuses %s with 400 PERSISTED_QUERY_ONLY and no REST call', async (_case, query) => {
    const res = await post(stack.url, { query, variables: { id: contactId } }, 'application/json');

    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_QUERY_ONLY']);
    expect(res.body.errors?.[0]?.message).toContain('documentId');
    expect(stack.calls()).toEqual([]);
  });

  it('refuses a request with neither query nor documentId with 400', async () => {
    const res = await post(stack.url, { variables: {} });

    expect(res.status).toBe(400);
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_REQUEST']);
  });

  it('leaves the federation subgraph endpoint to the router, which sends queries of its own', async () => {
    const res = await post(stack.subgraphUrl, { query: '{ _service { sdl } }' });

    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body.data)).toContain('@key');
  });

  it('still answers the probes', async () => {
    const health = await fetch(new URL('/healthz', stack.url));
    const ready = await fetch(new URL('/readyz', stack.url));

    expect([health.status, ready.status]).toEqual([200, 200]);
  });
});

describe('trusted documents in allow mode', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      sandbox: { seedContacts: 2 },
      gateway: { trustedDocuments: { path: MANIFEST, mode: 'allow' } },
    });
  });
  afterAll(() => stack.close());

  it('runs both a document id and a plain query', async () => {
    const byId = await post(stack.url, {
      documentId: hashOf(NodesByIdsDocument as never),
      variables: { ids: [] },
    });
    const plain = await post(stack.url, { query: '{ __typename }' });

    expect(byId.body).toEqual({ data: { nodes: [] } });
    expect(plain.body).toEqual({ data: { __typename: 'Query' } });
  });
});

describe('the manifest', () => {
  const write = (content: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'manifest-')), 'persisted-documents.json');
    writeFileSync(file, content);
    return file;
  };

  it('is the one codegen writes, every id a sha256 digest of its document', async () => {
    const { createHash } = await import('node:crypto');
    const documents = loadTrustedDocuments(MANIFEST);

    expect(documents.size).toBeGreaterThan(10);
    for (const [id, text] of documents) expect(createHash('sha256').update(text).digest('hex')).toBe(id);
  });

  it.each([
    ['not JSON', '{', /cannot read .* as JSON/],
    ['an id that is not a digest', JSON.stringify({ abc: '{ __typename }' }), /abc: a sha256 hex digest/],
    ['an empty document', JSON.stringify({ ['a'.repeat(64)]: '' }), /a GraphQL document/],
  ])('refuses a file that is %s, naming PERSISTED_DOCUMENTS', (_case, content, message) => {
    expect(() => loadTrustedDocuments(write(content))).toThrow(/^PERSISTED_DOCUMENTS: /);
    expect(() => loadTrustedDocuments(write(content))).toThrow(message);
  });
});
