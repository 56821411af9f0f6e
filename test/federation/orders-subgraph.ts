import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';

/**
 * A small demo "orders" subgraph: the shape a customer's own service has when it federates with
 * HueChat. It extends Contact (owned by huechat-gateway) by id with `orders`, and points back to
 * Contact from Order, so a router has to go both ways: huechat -> orders and orders -> huechat.
 * Its data is a pure function of the contact id: no store, same answer on every run.
 */
export const ORDERS_SDL = /* GraphQL */ `
extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])

# No description: huechat owns Contact's, and a second one is an INCONSISTENT_DESCRIPTION hint.
type Contact @key(fields: "id") {
  id: ID!
  """The contact's orders, newest first."""
  orders: [Order!]!
}

"""An order placed by a contact."""
type Order @key(fields: "id") {
  """ord_<contact id without cnt_>_<n>"""
  id: ID!
  """Order total in minor units (cents)."""
  totalCents: Int!
  """ISO-4217 currency code."""
  currency: String!
  """When the order was placed (ISO-8601, UTC)."""
  placedAt: String!
  """Who placed it."""
  contact: Contact!
}

type Query {
  """One order by id; null when it does not exist."""
  order(id: ID!): Order
  """Orders by id, in the order given, null for missing ones."""
  orders(ids: [ID!]!): [Order]!
}
`;

export interface Order {
  id: string;
  contactId: string;
  totalCents: number;
  currency: string;
  placedAt: string;
}

/** FNV-1a, 32 bits: a stable number from a string. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
const EPOCH = Date.UTC(2026, 0, 1);
const DAY_MS = 86_400_000;

/** 1 to 3 orders per contact id, newest first; the same id always gives the same orders. */
export function ordersFor(contactId: string): Order[] {
  const count = (hash(contactId) % 3) + 1;
  return Array.from({ length: count }, (_, i) => {
    const id = `ord_${contactId.replace(/^cnt_/, '')}_${i + 1}`;
    const h = hash(id);
    return {
      id,
      contactId,
      totalCents: 1_000 + (h % 49_000),
      currency: CURRENCIES[h % CURRENCIES.length],
      placedAt: new Date(EPOCH - (i * 30 + (h % 30)) * DAY_MS).toISOString(),
    };
  });
}

/** The order with this id, or null. Order ids carry their contact id, so no store is needed. */
export function orderById(id: string): Order | null {
  const match = /^ord_([A-Za-z0-9_-]+)_(\d+)$/.exec(id);
  if (!match) return null;
  return ordersFor(`cnt_${match[1]}`).find((order) => order.id === id) ?? null;
}

export const ordersSubgraphSchema = buildSubgraphSchema({
  typeDefs: parse(ORDERS_SDL),
  resolvers: {
    Query: {
      order: (_: unknown, args: { id: string }) => orderById(args.id),
      orders: (_: unknown, args: { ids: string[] }) => args.ids.map(orderById),
    },
    Contact: {
      // Any Contact id the router hands over is extended: whether it exists is huechat's business.
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      orders: (contact: { id: string }) => ordersFor(contact.id),
    },
    Order: {
      __resolveReference: (ref: { id: string }) => orderById(ref.id),
      contact: (order: Order) => ({ id: order.contactId }),
    },
  },
});

/** One GraphQL request the orders subgraph received. */
export interface OrdersRequest {
  query: string;
  variables: Record<string, unknown> | undefined;
  headers: Record<string, string>;
}

export interface OrdersSubgraph {
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  requests: OrdersRequest[];
  close(): Promise<void>;
}

/** Serves the orders subgraph with graphql-yoga on a free port. */
export async function startOrdersSubgraph(): Promise<OrdersSubgraph> {
  const requests: OrdersRequest[] = [];
  const yoga = createYoga({
    schema: ordersSubgraphSchema,
    graphiql: false,
    logging: false,
    plugins: [
      {
        onParams: ({ params, request }) => {
          requests.push({
            query: params.query ?? '',
            variables: params.variables,
            headers: Object.fromEntries(request.headers),
          });
        },
      },
    ],
  });
  const server: Server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
