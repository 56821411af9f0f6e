import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import {
  type RecordedRequest,
  type Sandbox,
  type SandboxOptions,
  startSandbox,
} from '../../src/sandbox/index.js';
import {
  type CallerContext,
  type UpstreamCallTrace,
  UpstreamClient,
  type UpstreamClientOptions,
} from '../../src/upstream/client.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { closeServer, listen } from './http.js';
import { SANDBOX_KEY } from './rest.js';

// The UpstreamClient on its own: clients with small test bounds, callers, and stub servers for answers the
// sandbox cannot give.

/** Small bounds so a fault costs a few hundred milliseconds, not the production seconds. */
export const TEST_OPTIONS: Omit<UpstreamClientOptions, 'baseUrl'> = {
  connections: 4,
  connectTimeoutMs: 300,
  timeoutMs: 300,
  retries: 2,
  retryMaxWaitMs: 1500,
};

/** Every client a test file makes, so `closeClients()` in afterAll releases their sockets. */
const clients: UpstreamClient[] = [];

export function createClient(baseUrl: string, options: Partial<UpstreamClientOptions> = {}): UpstreamClient {
  const client = new UpstreamClient({ ...TEST_OPTIONS, ...options, baseUrl });
  clients.push(client);
  return client;
}

export async function closeClients(): Promise<void> {
  await Promise.all(clients.splice(0).map((client) => client.close()));
}

/** The file's sandbox and a client against it, set once `useSandboxClient()`'s beforeAll ran. */
export let sandbox: Sandbox;
export let client: UpstreamClient;

/**
 * Starts `sandbox` and `client` for the file, forgets the sandbox's recorded requests before each test, and
 * closes the clients, the stubs and the sandbox after the file.
 */
export function useSandboxClient(options: Omit<SandboxOptions, 'port'>): void {
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, ...options });
    client = createClient(sandbox.url);
  });
  beforeEach(() => {
    sandbox.clearRequests();
  });
  afterAll(async () => {
    await closeClients();
    await closeStubs();
    await sandbox.close();
  });
}

export function caller(
  apiKey: string = SANDBOX_KEY,
  extra: Omit<CallerContext, 'apiKey'> = {},
): CallerContext {
  return { apiKey, ...extra };
}

/** A caller whose every REST call lands in `traces`. */
export function tracingCaller(apiKey: string = SANDBOX_KEY): {
  caller: CallerContext;
  traces: UpstreamCallTrace[];
} {
  const traces: UpstreamCallTrace[] = [];
  return { caller: { apiKey, trace: (call) => traces.push(call) }, traces };
}

/** Awaits a call that must fail and returns its UpstreamError (any other rejection fails the test). */
export async function upstreamFailure(call: Promise<unknown>): Promise<UpstreamError> {
  let result: unknown;
  try {
    result = await call;
  } catch (err) {
    expect(err).toBeInstanceOf(UpstreamError);
    if (err instanceof UpstreamError) return err;
    throw err;
  }
  throw new Error(`expected the call to fail, it returned ${JSON.stringify(result)}`);
}

/** The /v2 requests the sandbox received with this method and path (path as sent, after the origin). */
export function requestsTo(sandbox: Sandbox, method: string, path: string): RecordedRequest[] {
  return sandbox.requests.filter((r) => r.method === method && r.path === path);
}

export interface StubHit {
  method: string;
  /** Path and query as received. */
  url: string;
  apiKey: string | undefined;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface Stub {
  /** Base URL including /v2, for the client. */
  readonly url: string;
  readonly hits: StubHit[];
  /** The node:http server, for tests that watch its sockets. */
  readonly server: Server;
  /** Stops the server; a second call waits for the first. */
  close(): Promise<void>;
}

/** Every stub a test file starts, so `closeStubs()` in afterAll stops them. */
const stubs: Stub[] = [];

export async function closeStubs(): Promise<void> {
  await Promise.all(stubs.splice(0).map((stub) => stub.close()));
}

/**
 * A tiny HTTP server on a free port, for answers the sandbox cannot give (an HTTP-date Retry-After,
 * a 200 of the wrong shape). `respond` gets the hit's index, so a stub can change its answer per call.
 */
export async function startStub(
  respond: (res: ServerResponse, hit: StubHit, index: number, req: IncomingMessage) => void,
): Promise<Stub> {
  const hits: StubHit[] = [];
  const server: Server = createServer((req, res) => {
    const key = req.headers['x-api-key'];
    const hit: StubHit = {
      method: req.method ?? '',
      url: req.url ?? '',
      apiKey: Array.isArray(key) ? key[0] : key,
      at: performance.now(),
    };
    hits.push(hit);
    req.resume();
    req.on('end', () => respond(res, hit, hits.length - 1, req));
  });
  const origin = await listen(server);
  let closed: Promise<void> | undefined;
  const stub: Stub = { url: `${origin}/v2`, hits, server, close: () => (closed ??= closeServer(server)) };
  stubs.push(stub);
  return stub;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** A complete SPEC §3.1 contact, for stubs that answer a valid body. */
export function contactJson(id: string): Record<string, unknown> {
  return {
    id,
    phone: '+14155550100',
    email: null,
    first_name: 'Stub',
    last_name: null,
    full_name: 'Stub',
    preferred_channel: null,
    metadata: {},
    status: 'active',
    created_at: '2026-01-25T10:30:00Z',
    updated_at: '2026-01-25T10:30:00Z',
    last_contacted: null,
  };
}
