import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGatewayRuntime, type GatewayRuntime } from '@graphql-hive/gateway-runtime';
import type { GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeCalls, OTHER_KEY, SANDBOX_KEY, type Stack, startStack } from '../helpers/stack.js';
import { type OrdersSubgraph, ordersFor, startOrdersSubgraph } from './orders-subgraph.js';
import { composeApolloSupergraph, composeGuildSupergraph, type SubgraphUrls } from './supergraph.js';

// A real federation router (Hive Gateway runtime) in front of huechat-gateway's /subgraph and the
// demo orders subgraph, with the supergraph composed in the test from the checked-in SDL.

interface Router {
  url: string;
  close(): Promise<void>;
}

/** The two headers a HueChat caller may authenticate with (CONTRACT §2). */
/** The subjects HueChat itself lists first for a contact: what the router's answer must show. */
async function firstSubjects(stack: Stack, contactId: string, first: number): Promise<(string | null)[]> {
  const res = await fetch(`${stack.sandbox.url}/contact/${contactId}/conversations?limit=${first}`, {
    headers: { 'x-api-key': SANDBOX_KEY },
  });
  const page = (await res.json()) as { data: { subject: string | null }[] };
  return page.data.map((c) => c.subject);
}

const AUTH_HEADERS = ['x-api-key', 'authorization'] as const;

async function startRouter(supergraph: string): Promise<Router> {
  const gateway: GatewayRuntime = createGatewayRuntime({
    supergraph,
    logging: false,
    propagateHeaders: {
      // The HueChat key goes to huechat only: the orders service has no business seeing it.
      fromClientToSubgraphs: ({ request, subgraphName }) =>
        subgraphName === 'huechat'
          ? Object.fromEntries(AUTH_HEADERS.map((name) => [name, request.headers.get(name)]))
          : {},
    },
  });
  const server: Server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    async close() {
      await gateway.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface RouterResponse<TData> {
  status: number;
  data?: TData | null;
  errors?: GraphQLFormattedError[];
}

async function post<TData>(
  router: Router,
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<RouterResponse<TData>> {
  const res = await fetch(router.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, ...((await res.json()) as Omit<RouterResponse<TData>, 'status'>) };
}

const CONTACT_WITH_ORDERS = /* GraphQL */ `
  query ContactWithOrders($id: ID!) {
    contact(id: $id) {
      fullName
      orders { id }
      conversations(first: 3) { nodes { subject } }
    }
  }
`;
interface ContactWithOrders {
  contact: {
    fullName: string;
    orders: { id: string }[];
    conversations: { nodes: { subject: string | null }[] };
  } | null;
}

const ORDERS_WITH_CONTACTS = /* GraphQL */ `
  query OrdersWithContacts($ids: [ID!]!) {
    orders(ids: $ids) { id totalCents contact { id fullName } }
  }
`;
interface OrdersWithContacts {
  orders: ({ id: string; totalCents: number; contact: { id: string; fullName: string } } | null)[];
}

let stack: Stack;
let orders: OrdersSubgraph;
let router: Router;
/** org_demo (sk_test_sandbox) contacts: id -> fullName. */
let demo: { id: string; fullName: string }[];
/** org_other (sk_test_other) contacts. */
let other: { id: string; fullName: string }[];

const listContacts = async (apiKey: string) => {
  const res = await stack.gql<{ contacts: { nodes: { id: string; fullName: string }[] } }, undefined>(
    '{ contacts(first: 3) { nodes { id fullName } } }',
    undefined,
    { apiKey },
  );
  return res.body.data?.contacts.nodes ?? [];
};

beforeAll(async () => {
  stack = await startStack({ sandbox: { seedContacts: 8 } });
  orders = await startOrdersSubgraph();
  const urls: SubgraphUrls = { huechat: stack.subgraphUrl, orders: orders.url };
  router = await startRouter(composeGuildSupergraph(urls));
  demo = await listContacts(SANDBOX_KEY);
  other = await listContacts(OTHER_KEY);
  expect(demo).toHaveLength(3);
  expect(other).toHaveLength(3);
});

afterAll(async () => {
  await router?.close();
  await orders?.close();
  await stack?.close();
});

beforeEach(() => {
  stack.resetCalls();
  orders.requests.length = 0;
});

describe('Hive Gateway over huechat and orders', () => {
  it("answers a contact with its orders and conversations, sending the caller's X-API-Key to HueChat", async () => {
    const { id, fullName } = demo[0];
    const res = await post<ContactWithOrders>(
      router,
      CONTACT_WITH_ORDERS,
      { id },
      { 'x-api-key': SANDBOX_KEY },
    );

    expect(res.errors).toBeUndefined();
    expect(res.data?.contact?.fullName).toBe(fullName);
    expect(res.data?.contact?.orders).toEqual(ordersFor(id).map((o) => ({ id: o.id })));
    // Observed plan: huechat answers `contact` (1 contact GET) and `conversations(first: 3)`
    // (1 list GET, limit 3) in one subgraph request; then the router sends orders one
    // `_entities([{__typename: "Contact", id}])` for `orders`. The orders subgraph resolves a
    // Contact reference from the id alone, so the orders -> Contact entity fetch costs no REST call.
    // The two GETs run concurrently (huechat starts the list with the contact), so either may land first.
    expect(describeCalls(stack.calls()).sort()).toEqual([
      `GET /v2/contact/${id}`,
      `GET /v2/contact/${id}/conversations`,
    ]);
    expect(stack.calls().find((c) => c.path.endsWith('/conversations'))?.query).toEqual({
      limit: '3',
      offset: '0',
    });
    expect(stack.calls().every((c) => c.apiKey === SANDBOX_KEY)).toBe(true);
    expect(orders.requests).toHaveLength(1);
    expect(orders.requests[0].query).toContain('_entities');
    expect(orders.requests[0].variables).toEqual({ representations: [{ __typename: 'Contact', id }] });
    expect(orders.requests[0].headers['x-api-key']).toBeUndefined();
    // Last, as it asks HueChat itself: the conversations are the contact's first three.
    const subjects = await firstSubjects(stack, id, 3);
    expect(subjects).toHaveLength(3);
    expect(res.data?.contact?.conversations.nodes).toEqual(subjects.map((subject) => ({ subject })));
  });

  it("shows a sk_test_other caller org_other's data and nothing of org_demo's", async () => {
    const mine = await post<ContactWithOrders>(
      router,
      CONTACT_WITH_ORDERS,
      { id: other[0].id },
      { 'x-api-key': OTHER_KEY },
    );
    const theirs = await post<ContactWithOrders>(
      router,
      CONTACT_WITH_ORDERS,
      { id: demo[0].id },
      { 'x-api-key': OTHER_KEY },
    );

    expect(mine.errors).toBeUndefined();
    expect(mine.data?.contact?.fullName).toBe(other[0].fullName);
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data?.contact).toBeNull();
    // huechat starts a contact's conversation list together with the contact itself (one round
    // trip instead of two), so a contact outside the caller's organisation costs two 404s.
    expect(
      stack
        .calls()
        .map((c) => `${c.method} ${c.path} ${c.status}`)
        .sort(),
    ).toEqual(
      [
        `GET /v2/contact/${other[0].id} 200`,
        `GET /v2/contact/${other[0].id}/conversations 200`,
        `GET /v2/contact/${demo[0].id} 404`,
        `GET /v2/contact/${demo[0].id}/conversations 404`,
      ].sort(),
    );
    expect(stack.calls().map((c) => [c.apiKey, c.organizationId])).toEqual(
      stack.calls().map(() => [OTHER_KEY, 'org_other']),
    );
    // A null contact has no orders to ask for: only the first query reached the orders subgraph.
    expect(orders.requests).toHaveLength(1);
  });

  it('propagates Authorization: Bearer as well, for callers that authenticate that way', async () => {
    const res = await post<ContactWithOrders>(
      router,
      CONTACT_WITH_ORDERS,
      { id: other[1].id },
      { authorization: `Bearer ${OTHER_KEY}` },
    );

    expect(res.errors).toBeUndefined();
    expect(res.data?.contact?.fullName).toBe(other[1].fullName);
    expect(stack.calls()).toHaveLength(2);
    expect(stack.calls().every((c) => c.apiKey === OTHER_KEY)).toBe(true);
  });

  it('resolves orders -> Contact through huechat _entities with one GET per distinct contact', async () => {
    const [a, b] = demo;
    const ids = [ordersFor(a.id)[0].id, ordersFor(b.id)[0].id, ordersFor(a.id)[0].id, 'ord_unknown'];
    const res = await post<OrdersWithContacts>(
      router,
      ORDERS_WITH_CONTACTS,
      { ids },
      { 'x-api-key': SANDBOX_KEY },
    );

    expect(res.errors).toBeUndefined();
    expect(res.data?.orders.map((o) => o && [o.id, o.contact.fullName])).toEqual([
      [ids[0], a.fullName],
      [ids[1], b.fullName],
      [ids[2], a.fullName],
      null,
    ]);
    // Observed: orders answers first (no REST), then one huechat `_entities` batch for the
    // contacts; contact a appears twice in it and still costs one GET.
    expect(describeCalls(stack.calls()).sort()).toEqual(
      [`GET /v2/contact/${a.id}`, `GET /v2/contact/${b.id}`].sort(),
    );
    expect(stack.calls().every((c) => c.apiKey === SANDBOX_KEY)).toBe(true);
  });

  it('passes the UNAUTHENTICATED error through when the client sends no key, with no REST call', async () => {
    const res = await post<ContactWithOrders>(router, CONTACT_WITH_ORDERS, { id: demo[0].id }, {});

    expect(res.data).toEqual({ contact: null });
    expect(res.errors).toEqual([
      expect.objectContaining({
        path: ['contact'],
        extensions: { code: 'UNAUTHENTICATED', serviceName: 'huechat' },
      }),
    ]);
    expect(stack.calls()).toEqual([]);
  });

  it("runs Apollo composition's supergraph just the same", async () => {
    const apolloRouter = await startRouter(
      composeApolloSupergraph({ huechat: stack.subgraphUrl, orders: orders.url }),
    );
    try {
      const { id, fullName } = demo[2];
      const res = await post<ContactWithOrders>(
        apolloRouter,
        CONTACT_WITH_ORDERS,
        { id },
        { 'x-api-key': SANDBOX_KEY },
      );

      expect(res.errors).toBeUndefined();
      expect(res.data?.contact?.fullName).toBe(fullName);
      expect(res.data?.contact?.orders).toEqual(ordersFor(id).map((o) => ({ id: o.id })));
      expect(describeCalls(stack.calls()).sort()).toEqual([
        `GET /v2/contact/${id}`,
        `GET /v2/contact/${id}/conversations`,
      ]);
      const subjects = await firstSubjects(stack, id, 3);
      expect(subjects.length).toBeGreaterThan(0);
      expect(res.data?.contact?.conversations.nodes).toEqual(subjects.map((subject) => ({ subject })));
    } finally {
      await apolloRouter.close();
    }
  });
});
