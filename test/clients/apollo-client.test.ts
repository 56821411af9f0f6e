import { readFileSync } from 'node:fs';
import {
  ApolloClient,
  gql,
  HttpLink,
  InMemoryCache,
  type NormalizedCacheObject,
} from '@apollo/client/core/index.js';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev/index.js';
import { relayStylePagination } from '@apollo/client/utilities/index.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ClientContactsPageDocument,
  type ClientContactsPageQuery,
  FirstQueryDocument,
  InboxDocument,
  type InboxQuery,
} from '../gql/graphql.js';
import { describeCalls, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';

// Apollo Client (the browser/Node client most frontends use) against the public /graphql endpoint,
// over real HTTP, with the normalized cache and Relay-style pagination a real app would configure.

const PAGE = 5;

// Full text for Apollo's dev warnings instead of go.apollo.dev links.
loadDevMessages();
loadErrorMessages();

let stack: Stack;
let warnings: ReturnType<typeof vi.spyOn>[] = [];

function createClient(url = stack.url): ApolloClient<NormalizedCacheObject> {
  return new ApolloClient({
    link: new HttpLink({ uri: url, headers: { 'X-API-Key': SANDBOX_KEY } }),
    cache: new InMemoryCache({
      typePolicies: {
        // Pages of the same search are one list; a different search is a different list.
        Query: { fields: { contacts: relayStylePagination(['search']) } },
      },
    }),
    defaultOptions: { query: { fetchPolicy: 'network-only' } },
  });
}

const CONTACT_FIELDS = gql`
  fragment ClientContactFields on Contact {
    id
    fullName
  }
`;

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 20 } });
});

afterAll(async () => {
  await stack?.close();
});

beforeEach(() => {
  stack.resetCalls();
  // Apollo reports cache problems (missing fields, data lost on merge, deprecations) on the console.
  warnings = [vi.spyOn(console, 'warn'), vi.spyOn(console, 'error')];
});

afterEach(() => {
  for (const spy of warnings) expect(spy).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

type Edge = NonNullable<ClientContactsPageQuery['contacts']['edges'][number]>;
const edgesOf = (data: ClientContactsPageQuery | undefined): Edge[] =>
  (data?.contacts.edges ?? []).filter((e): e is Edge => e !== null);

describe('Apollo Client against the public endpoint', () => {
  it('runs the inbox query with variables and gets the same answer as a plain HTTP request', async () => {
    const client = createClient();
    const page = await stack.gql(ClientContactsPageDocument, { first: 20 });
    const ids = edgesOf(page.body.data ?? undefined).map((e) => e.node.id);
    // The seed gives the first contacts many conversations; pick one that has some.
    let id = ids[0];
    for (const candidate of ids) {
      const raw = await stack.gql(InboxDocument, { id: candidate, conversations: 3, messages: 3 });
      if ((raw.body.data?.contact?.conversations.totalCount ?? 0) > 0) {
        id = candidate;
        break;
      }
    }
    const raw = await stack.gql(InboxDocument, { id, conversations: 3, messages: 3 });
    stack.resetCalls();

    const { data, errors } = await client.query({
      query: InboxDocument,
      variables: { id, conversations: 3, messages: 3 },
    });

    expect(errors).toBeUndefined();
    const inbox: InboxQuery = data;
    expect(inbox.contact?.id).toBe(id);
    expect(inbox.contact?.conversations.nodes.length).toBeGreaterThan(0);
    // Apollo adds __typename to every selection; otherwise it is the same JSON.
    expect(JSON.parse(JSON.stringify(inbox, (k, v) => (k === '__typename' ? undefined : v)))).toEqual(
      raw.body.data,
    );
    expect(
      inbox.contact?.conversations.nodes.every((c) => c?.contact.fullName === inbox.contact?.fullName),
    ).toBe(true);
    expect(stack.calls().every((c) => c.apiKey === SANDBOX_KEY)).toBe(true);
    client.stop();
  });

  it("runs the README's first query and its mutation as written, on the sandbox the README describes", async () => {
    // The README's ids come from the default seed (200 contacts), as `npm start` serves it.
    const readmeStack = await startStack({ sandbox: { seedContacts: 200 } });
    try {
      const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
      const [, mutation] = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
      const client = createClient(readmeStack.url);

      const first = await client.query({ query: FirstQueryDocument });
      const raw = await readmeStack.gql(FirstQueryDocument, {});
      expect(first.errors).toBeUndefined();
      expect(first.data.contact?.conversations.nodes).toHaveLength(10);
      expect(JSON.parse(JSON.stringify(first.data, (k, v) => (k === '__typename' ? undefined : v)))).toEqual(
        raw.body.data,
      );

      const sent = await client.mutate<{
        sendMessage: { id: string; status: string; conversation: { id: string; messageCount: number } };
      }>({ mutation: gql(mutation ?? '') });
      expect(sent.errors).toBeUndefined();
      expect(sent.data?.sendMessage.status).toBe('SENT');
      // The conversation came back with its id: Apollo keeps it as one normalized entity.
      const key = client.cache.identify({
        __typename: 'Conversation',
        id: sent.data?.sendMessage.conversation.id,
      });
      expect(client.cache.extract()[key ?? '']).toMatchObject({
        __typename: 'Conversation',
        messageCount: sent.data?.sendMessage.conversation.messageCount,
        lastMessagePreview: 'Your order has shipped',
      });
      client.stop();
    } finally {
      await readmeStack.close();
    }
  });

  it('merges two pages of contacts with relayStylePagination, without duplicates', async () => {
    const client = createClient();
    const query = client.watchQuery({ query: ClientContactsPageDocument, variables: { first: PAGE } });
    // What a component would render: every result the watched query delivers.
    const rendered: Edge[][] = [];
    const subscription = query.subscribe(({ data, loading }) => {
      if (!loading) rendered.push(edgesOf(data));
    });

    await vi.waitFor(() => expect(rendered).toHaveLength(1));
    const firstEdges = rendered[0];
    expect(firstEdges).toHaveLength(PAGE);
    const firstPage = query.getCurrentResult().data?.contacts;
    expect(firstPage?.pageInfo.hasNextPage).toBe(true);

    const endCursor = firstPage?.pageInfo.endCursor;
    const more = await query.fetchMore({ variables: { after: endCursor } });
    expect(edgesOf(more.data)).toHaveLength(PAGE);

    await vi.waitFor(() => expect(rendered.at(-1)).toHaveLength(2 * PAGE));
    const mergedIds = (rendered.at(-1) ?? []).map((e) => e.node.id);
    expect(new Set(mergedIds).size).toBe(2 * PAGE);
    expect(mergedIds).toEqual([...firstEdges, ...edgesOf(more.data)].map((e) => e.node.id));
    expect(query.getCurrentResult().data?.contacts.pageInfo.endCursor).toBe(
      more.data.contacts.pageInfo.endCursor,
    );
    // Asking for the second page again replaces it in place: still no duplicates.
    await query.fetchMore({ variables: { after: endCursor } });
    expect(edgesOf(query.getCurrentResult().data).map((e) => e.node.id)).toEqual(mergedIds);

    // One REST list call per page, at the offsets the cursors encode.
    expect(describeCalls(stack.calls())).toEqual([
      'GET /v2/contacts',
      'GET /v2/contacts',
      'GET /v2/contacts',
    ]);
    expect(stack.calls().map((c) => c.query)).toEqual([
      { limit: String(PAGE), offset: '0' },
      { limit: String(PAGE), offset: String(PAGE) },
      { limit: String(PAGE), offset: String(PAGE) },
    ]);
    subscription.unsubscribe();
    client.stop();
  });

  it('normalizes contacts so the inbox and the contact list share one cache entry', async () => {
    const client = createClient();
    const page = await client.query({ query: ClientContactsPageDocument, variables: { first: PAGE } });
    const [edge] = edgesOf(page.data);
    const { id } = edge.node;
    await client.query({ query: InboxDocument, variables: { id, conversations: 2, messages: 1 } });

    const key = client.cache.identify({ __typename: 'Contact', id });
    expect(key).toBe(`Contact:${id}`);
    const cached = client.cache.extract();
    expect(Object.keys(cached).filter((k) => k === key)).toHaveLength(1);
    const root = cached.ROOT_QUERY ?? {};
    const inboxField = Object.entries(root).find(([field]) => field.startsWith('contact('))?.[1];
    expect(inboxField).toEqual({ __ref: key });
    expect(client.readFragment({ id: key, fragment: CONTACT_FIELDS })).toEqual({
      __typename: 'Contact',
      id,
      fullName: edge.node.fullName,
    });

    // One write, seen by both queries: the same entity, not two copies.
    client.writeFragment({
      id: key,
      fragment: CONTACT_FIELDS,
      data: { __typename: 'Contact', id, fullName: 'Renamed' },
    });
    const list = client.readQuery({ query: ClientContactsPageDocument, variables: { first: PAGE } });
    const inbox = client.readQuery({
      query: InboxDocument,
      variables: { id, conversations: 2, messages: 1 },
    });
    expect(edgesOf(list ?? undefined)[0].node.fullName).toBe('Renamed');
    expect(inbox?.contact?.fullName).toBe('Renamed');
    client.stop();
  });
});
