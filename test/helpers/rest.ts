import { randomInt } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import { z } from 'zod';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/index.js';
import { closeServer, listen } from './http.js';

// REST straight to the sandbox, bypassing the gateway: the sandbox's contract tests and the oracle reads of the
// gateway tests. One client (`call`), the response schemas, assertions on status and error bodies, generators
// of unique values and a webhook receiver.

/** The sandbox's default API keys: the demo organisation's, another organisation's, a read-only one. */
export const SANDBOX_KEY = 'sk_test_sandbox';
export const OTHER_KEY = 'sk_test_other';
export const READONLY_KEY = 'sk_test_readonly';

/** The file's sandbox, set once `useSandbox()`'s beforeAll ran. */
export let sandbox: Sandbox;

/** Starts `sandbox` on a free port before the file's tests and closes it after them. */
export function useSandbox(options: Omit<SandboxOptions, 'port'> = {}): void {
  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0, ...options });
  });
  afterAll(async () => {
    await sandbox.close();
  });
}

/** ISO-8601 UTC with whole seconds, as the guides show (`2026-01-25T10:30:00Z`). */
export const SECONDS_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
export const E164 = /^\+[1-9]\d{6,14}$/;

const timestamp = z.string().regex(SECONDS_TIMESTAMP);
const channel = z.enum(['whatsapp', 'instagram', 'sms', 'email']);

export const contactSchema = z.object({
  id: z.string().startsWith('cnt_'),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  first_name: z.string(),
  last_name: z.string().nullable(),
  full_name: z.string(),
  preferred_channel: channel.nullable(),
  metadata: z.record(z.string(), z.unknown()),
  status: z.enum(['active', 'inactive']),
  created_at: timestamp,
  updated_at: timestamp,
  last_contacted: timestamp.nullable(),
});
export type Contact = z.infer<typeof contactSchema>;

export const agentSchema = z.object({
  id: z.string().startsWith('usr_'),
  name: z.string(),
  email: z.string(),
});

export const conversationSchema = z.object({
  id: z.string().startsWith('conv_'),
  contact_id: z.string().startsWith('cnt_'),
  contact: z.unknown().optional(),
  channel,
  subject: z.string().nullable(),
  status: z.enum(['open', 'closed', 'archived']),
  priority: z.enum(['low', 'medium', 'high']),
  assigned_to: agentSchema.nullable(),
  labels: z.array(z.string()),
  tags: z.array(z.string()),
  message_count: z.number().int().nonnegative(),
  unread_count: z.number().int().nonnegative(),
  created_at: timestamp,
  updated_at: timestamp,
  last_message_at: timestamp.nullable(),
  last_message_preview: z.string().nullable(),
});
export type Conversation = z.infer<typeof conversationSchema>;

export const messageSchema = z.object({
  id: z.string().startsWith('msg_'),
  conversation_id: z.string().startsWith('conv_'),
  contact_id: z.string().startsWith('cnt_'),
  channel,
  message_type: z.enum(['text', 'template', 'image', 'document']),
  content: z.string(),
  status: z.enum(['sent', 'delivered', 'read', 'failed']),
  sent_by: z.enum(['user', 'contact', 'system']),
  sender: z.object({ id: z.string(), name: z.string() }).nullable(),
  sent_at: timestamp,
  delivered_at: timestamp.nullable(),
  read_at: timestamp.nullable(),
  error: z.string().nullable(),
});
export type Message = z.infer<typeof messageSchema>;

export const webhookSchema = z.object({
  id: z.string().startsWith('wh_'),
  url: z.string(),
  events: z.array(z.string()),
  active: z.boolean(),
  retry_policy: z.enum(['exponential', 'linear']),
  created_at: timestamp,
  updated_at: timestamp,
});
export const createdWebhookSchema = webhookSchema.extend({ signing_secret: z.string().startsWith('whsec_') });
export type Webhook = z.infer<typeof webhookSchema>;

export const templateSchema = z.object({
  name: z.string(),
  language: z.string(),
  category: z.string(),
  status: z.enum(['approved', 'pending', 'rejected']),
  body: z.string(),
  parameter_count: z.number().int().nonnegative(),
});
export type Template = z.infer<typeof templateSchema>;

export const errorSchema = z.object({
  error: z.string(),
  message: z.string().min(1),
  code: z.number().int(),
  details: z.record(z.string(), z.unknown()).optional(),
  request_id: z.string().startsWith('req_'),
  timestamp,
});
export type ApiError = z.infer<typeof errorSchema>;

export const paginationSchema = z.object({
  limit: z.number().int(),
  offset: z.number().int(),
  total: z.number().int().nonnegative(),
  has_more: z.boolean(),
});
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), pagination: paginationSchema });
}
export interface Page<T> {
  data: T[];
  pagination: z.infer<typeof paginationSchema>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
}

export interface CallOptions {
  /** API key sent as X-API-Key; `null` sends no key at all. Default: sk_test_sandbox. */
  key?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | number>;
  signal?: AbortSignal;
}

/** One REST call against the sandbox's /v2 base URL; `path` starts with '/' and is sent as written. */
export async function call(
  sandbox: Pick<Sandbox, 'url'>,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<ApiResponse> {
  const url = new URL(sandbox.url + path);
  for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, String(value));
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? SANDBOX_KEY : options.key;
  if (key !== null) headers['x-api-key'] = key;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method, headers, body, signal: options.signal });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: parseJson(text) };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A call to a control route under /_sandbox/ (outside /v2). */
export async function control(
  sandbox: Pick<Sandbox, 'origin'>,
  method: string,
  path: string,
  options: { key?: string | null; body?: unknown } = {},
): Promise<ApiResponse> {
  return call({ url: `${sandbox.origin}/_sandbox` }, method, path, { key: options.key, body: options.body });
}

/**
 * `call` bound to one sandbox and key, with the JSON body typed by the caller: `api<Page<T>>('GET', path)`.
 * A body that is not JSON rejects with the SyntaxError.
 */
export function client(sandbox: Pick<Sandbox, 'url'>, key: string | null = SANDBOX_KEY) {
  return async <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => {
    const res = await call(sandbox, method, path, { key, body });
    return {
      status: res.status,
      headers: res.headers,
      body: (res.text === '' ? undefined : JSON.parse(res.text)) as T,
    };
  };
}

/**
 * Reads the sandbox of a stack directly, bypassing the gateway, to learn what the data is (the oracle the
 * GraphQL answers are checked against). It shows up in the request log: call it before `stack.resetCalls()`.
 */
export async function rest<T>(
  stack: { sandbox: Pick<Sandbox, 'url'> },
  path: string,
  apiKey = SANDBOX_KEY,
): Promise<T> {
  const res = await call(stack.sandbox, 'GET', path, { key: apiKey });
  expect(res.status, `GET ${path}`).toBe(200);
  return res.json as T;
}

/** Every item of a REST list, page by page (limit 100), read like `rest`. */
export async function restAll<T>(
  stack: { sandbox: Pick<Sandbox, 'url'> },
  path: string,
  apiKey = SANDBOX_KEY,
): Promise<T[]> {
  const sep = path.includes('?') ? '&' : '?';
  return allPages((offset) => rest<Page<T>>(stack, `${path}${sep}limit=100&offset=${offset}`, apiKey));
}

/** Fetches every page of a list endpoint (limit 100), checking each against `item`, and returns all items. */
export async function listAll<T extends z.ZodType>(
  sandbox: Pick<Sandbox, 'url'>,
  path: string,
  item: T,
  options: { key?: string; query?: Record<string, string | number> } = {},
): Promise<z.infer<T>[]> {
  return allPages(async (offset) => {
    const res = await call(sandbox, 'GET', path, {
      key: options.key,
      query: { ...options.query, limit: 100, offset },
    });
    return expectStatus(res, 200, pageSchema(item));
  });
}

async function allPages<T>(page: (offset: number) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  for (let offset = 0; ; offset += 100) {
    const { data, pagination } = await page(offset);
    items.push(...data);
    if (!pagination.has_more) return items;
  }
}

/** Asserts the status (showing the body when it differs) and parses the body with the schema. */
export function expectStatus<T extends z.ZodType>(res: ApiResponse, status: number, schema: T): z.infer<T>;
export function expectStatus(res: ApiResponse, status: number): void;
export function expectStatus(res: ApiResponse, status: number, schema?: z.ZodType): unknown {
  expect(res.status, res.text).toBe(status);
  if (schema === undefined) return undefined;
  const parsed = schema.safeParse(res.json);
  if (!parsed.success) {
    throw new Error(`body does not match the expected shape: ${parsed.error.message}\nbody: ${res.text}`);
  }
  return parsed.data;
}

/** Asserts a SPEC §3.8 error body with the given status and `error` string; returns it. */
export function expectError(res: ApiResponse, status: number, error: string): ApiError {
  const body = expectStatus(res, status, errorSchema);
  expect(body.code).toBe(status);
  expect(body.error).toBe(error);
  expect(res.headers.get('x-request-id')).toBe(body.request_id);
  return body;
}

/**
 * Asserts a 400 invalid_input naming `field`; returns the details. A RegExp allows a path inside the field
 * (`events.0`), which the design leaves open.
 */
export function expectInvalidInput(res: ApiResponse, field: string | RegExp): Record<string, unknown> {
  const body = expectError(res, 400, 'invalid_input');
  expect(body.details, res.text).toBeDefined();
  if (typeof field === 'string') expect(body.details?.field).toBe(field);
  else expect(String(body.details?.field)).toMatch(field);
  return body.details ?? {};
}

let uniqueCounter = 0;
/** A phone number no seed is likely to produce (Greek mobile range, random subscriber part). */
export function uniquePhone(): string {
  uniqueCounter += 1;
  return `+3069${String(randomInt(0, 1_000_000)).padStart(6, '0')}${String(uniqueCounter % 100).padStart(2, '0')}`;
}
/** An email address no seed produces; `local` starts its local part. */
export function uniqueEmail(local = 't'): string {
  uniqueCounter += 1;
  return `${local}${uniqueCounter}.${randomInt(0, 1_000_000_000)}@example.test`;
}
export function uniqueToken(prefix = 'tok'): string {
  uniqueCounter += 1;
  return `${prefix}${uniqueCounter}x${randomInt(0, 1_000_000_000).toString(36)}`;
}

export async function createContact(
  sandbox: Pick<Sandbox, 'url'>,
  fields: Record<string, unknown> = {},
  key: string = SANDBOX_KEY,
): Promise<Contact> {
  const res = await call(sandbox, 'POST', '/contact', {
    key,
    body: { first_name: 'Test', last_name: 'Person', phone: uniquePhone(), email: uniqueEmail(), ...fields },
  });
  return expectStatus(res, 201, contactSchema);
}

export async function sendMessage(
  sandbox: Pick<Sandbox, 'url'>,
  contactId: string,
  body: Record<string, unknown>,
  key: string = SANDBOX_KEY,
): Promise<Message> {
  const res = await call(sandbox, 'POST', `/contact/${contactId}/message`, { key, body });
  return expectStatus(res, 201, messageSchema);
}

export interface Delivery {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

export interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  /** Decides the status for each delivery (default 200); 0 leaves the request unanswered. */
  respond: (delivery: Delivery) => number;
  close(): Promise<void>;
}

/** A local webhook receiver on a free port that records every POST it gets. */
export async function startReceiver(): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const receiver = {
    url: '',
    deliveries,
    respond: (_delivery: Delivery): number => 200,
    close: (): Promise<void> => closeServer(server),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const delivery: Delivery = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        rawBody: Buffer.concat(chunks).toString('utf8'),
      };
      deliveries.push(delivery);
      const status = receiver.respond(delivery);
      if (status === 0) return;
      res.statusCode = status;
      res.end();
    });
  });
  receiver.url = await listen(server);
  return receiver;
}
