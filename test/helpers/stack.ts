import { createServer, type Server } from 'node:http';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type DocumentNode, type GraphQLFormattedError, print } from 'graphql';
import { expect } from 'vitest';
import { LiveEvents, type LiveEventsOptions } from '../../src/events/index.js';
import { createLogger, type Logger } from '../../src/logger.js';
import {
  type RecordedRequest,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '../../src/sandbox/index.js';
import {
  createRequestListener,
  type RequestListenerOptions,
  SUBGRAPH_ENDPOINT,
} from '../../src/server/listener.js';
import { UpstreamClient, type UpstreamClientOptions } from '../../src/upstream/client.js';
import { closeServer, listen } from './http.js';
import { type Contact, SANDBOX_KEY } from './rest.js';

// The fixture: a sandbox and a gateway against it (`startStack`), and helpers for the GraphQL answers and the
// REST calls behind them.

// The sandbox's default API keys, defined with the REST client.
export { OTHER_KEY, READONLY_KEY, SANDBOX_KEY } from './rest.js';

export interface GraphQLResponse<TData> {
  status: number;
  headers: Headers;
  body: { data?: TData | null; errors?: GraphQLFormattedError[]; extensions?: Record<string, unknown> };
  /** The raw response text, for checks that nothing secret leaks. */
  text: string;
}

export interface RequestOptions {
  /** Sent as X-API-Key; `null` sends no key at all. Default: the sandbox key. */
  apiKey?: string | null;
  headers?: Record<string, string>;
}

export interface Stack {
  sandbox: Sandbox;
  client: UpstreamClient;
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  /** http://127.0.0.1:PORT/subgraph (the federation subgraph endpoint) */
  subgraphUrl: string;
  /** Runs one operation over HTTP (typed by the generated documents). */
  gql<TData, TVars>(
    document: TypedDocumentNode<TData, TVars> | DocumentNode | string,
    variables?: TVars,
    options?: RequestOptions,
  ): Promise<GraphQLResponse<TData>>;
  /** REST calls the sandbox received since the last reset(). */
  calls(): readonly RecordedRequest[];
  /** Forget recorded REST calls. */
  resetCalls(): void;
  /** http://127.0.0.1:PORT */
  origin: string;
  /** Live updates (webhook receiver, subscriptions), when the stack was started with `live`. */
  live: LiveEvents | undefined;
  close(): Promise<void>;
}

export interface StackOptions {
  sandbox?: SandboxOptions;
  /** Front this running sandbox instead of starting one (a second gateway instance); it is left running on close. */
  sharedSandbox?: Sandbox;
  client?: Partial<UpstreamClientOptions>;
  gateway?: Partial<Omit<RequestListenerOptions, 'client' | 'logger'>>;
  /** Default key of the gateway; none by default, so tests send keys explicitly. */
  defaultApiKey?: string;
  /** Where the gateway logs; silent by default (TEST_LOG=1 prints debug lines). */
  logger?: Logger;
  /** Serve live updates (webhook receiver, subscriptions over SSE and WebSocket) with these settings. */
  live?: Partial<Omit<LiveEventsOptions, 'client' | 'logger'>>;
}

/** A sandbox and a gateway against it, both on free ports, talking real HTTP. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const sandbox =
    options.sharedSandbox ?? (await startSandbox({ port: 0, seedContacts: 40, ...options.sandbox }));
  const client = new UpstreamClient({
    baseUrl: sandbox.url,
    connections: 16,
    connectTimeoutMs: 1_000,
    timeoutMs: 2_000,
    retries: 2,
    retryMaxWaitMs: 500,
    // Off unless a test asks for it: sharing identical in-flight GETs across requests would also hide
    // a duplicate GET within one request, which is the per-request DataLoaders' job to prevent.
    coalesceReads: false,
    ...options.client,
  });
  const logger = options.logger ?? createLogger(process.env.TEST_LOG === '1' ? 'debug' : 'silent');
  const live = options.live
    ? new LiveEvents({
        client,
        logger,
        secrets: [],
        toleranceS: 300,
        subscriptionsPerKey: 100,
        subscriptionBuffer: 100,
        ...options.live,
      })
    : undefined;
  const listener = createRequestListener({
    client,
    logger,
    defaultApiKey: options.defaultApiKey,
    waterfall: true,
    live,
    ...options.gateway,
  });
  const server: Server = createServer(listener);
  server.on('upgrade', listener.upgrade);
  const origin = await listen(server);
  const url = `${origin}/graphql`;

  return {
    sandbox,
    client,
    url,
    subgraphUrl: `${origin}${SUBGRAPH_ENDPOINT}`,
    async gql(document, variables, requestOptions = {}) {
      const query = typeof document === 'string' ? document : print(document);
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        ...requestOptions.headers,
      };
      const apiKey = requestOptions.apiKey === undefined ? SANDBOX_KEY : requestOptions.apiKey;
      if (apiKey !== null) headers['x-api-key'] = apiKey;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: JSON.parse(text), text };
    },
    calls: () => sandbox.requests,
    resetCalls: () => sandbox.clearRequests(),
    origin,
    live,
    async close() {
      await live?.close();
      listener.closeWebSockets();
      // A second close() finds the server stopped already, which is fine.
      await closeServer(server).catch(() => undefined);
      await client.close();
      if (!options.sharedSandbox) await sandbox.close();
    },
  };
}

/** "GET /v2/contact/cnt_x" lines, for readable call assertions. */
export const describeCalls = (calls: readonly RecordedRequest[]) => calls.map((c) => `${c.method} ${c.path}`);

/** "GET /v2/contact/cnt_x" with the query string, in a stable order. */
export const callLines = (calls: readonly RecordedRequest[]) =>
  calls.map((c) => {
    const query = new URLSearchParams(Object.entries(c.query).sort(([a], [b]) => (a < b ? -1 : 1)));
    return `${c.method} ${c.path}${query.size > 0 ? `?${query}` : ''}`;
  });

/** The same lines, sorted: for calls that run concurrently and may arrive in any order. */
export const sortedCallLines = (calls: readonly RecordedRequest[]) => callLines(calls).sort();

/** The data of a response that must have succeeded. */
export function dataOf<T>(res: GraphQLResponse<T>): T {
  expect(res.body.errors, res.text).toBeUndefined();
  expect(res.body.data, res.text).toBeTruthy();
  return res.body.data as T;
}

/** The `extensions.code` of each error of a response. */
export const errorCodes = (res: GraphQLResponse<unknown>) =>
  (res.body.errors ?? []).map((e) => e.extensions?.code);

/** Connection items are nullable (a failing item must not wipe the page); in a healthy page none is. */
export function present<T>(items: readonly (T | null)[]): T[] {
  expect(items).not.toContain(null);
  return items as T[];
}

/** A REST enum value as the GraphQL enum shows it. */
export const upper = (value: string) => value.toUpperCase();
export const upperOrNull = (value: string | null) => (value === null ? null : value.toUpperCase());

/** What the GraphQL Contact must show for a REST contact. */
export function expectedContact(c: Contact) {
  return {
    id: c.id,
    phone: c.phone,
    email: c.email,
    firstName: c.first_name,
    lastName: c.last_name,
    fullName: c.full_name,
    preferredChannel: upperOrNull(c.preferred_channel),
    status: upper(c.status),
    metadata: c.metadata,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    lastContactedAt: c.last_contacted,
  };
}
