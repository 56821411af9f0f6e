import { expect } from 'vitest';
import type { RecordedRequest } from '../../src/sandbox/index.js';
import { type GraphQLResponse, SANDBOX_KEY, type Stack } from '../helpers/stack.js';

/** A contact as the REST API returns it (SPEC §3.1): the oracle the GraphQL answers are checked against. */
export interface RestContact {
  id: string;
  phone: string | null;
  email: string | null;
  first_name: string;
  last_name: string | null;
  full_name: string;
  preferred_channel: string | null;
  metadata: Record<string, unknown>;
  status: string;
  created_at: string;
  updated_at: string;
  last_contacted: string | null;
}

export interface RestAgent {
  id: string;
  name: string;
  email?: string | null;
}

export interface RestConversation {
  id: string;
  contact_id: string;
  channel: string;
  subject: string | null;
  status: string;
  priority: string;
  assigned_to: RestAgent | null;
  labels: string[];
  message_count: number;
  unread_count: number;
  created_at: string;
  updated_at: string | null;
  last_message_at: string | null;
  last_message_preview: string | null;
}

export interface RestMessage {
  id: string;
  conversation_id: string;
  contact_id: string;
  channel: string;
  message_type: string;
  content: string | null;
  status: string;
  sent_by: string;
  sender: RestAgent | null;
  sent_at: string;
  delivered_at: string | null;
  read_at: string | null;
  error: string | null;
}

export interface RestPage<T> {
  data: T[];
  pagination: { limit: number; offset: number; total: number; has_more: boolean };
}

/**
 * Reads the sandbox directly, bypassing the gateway, to learn what the data is. It shows up in the
 * request log: call it before `stack.resetCalls()`.
 */
export async function rest<T>(stack: Stack, path: string, apiKey = SANDBOX_KEY): Promise<T> {
  const res = await fetch(`${stack.sandbox.url}${path}`, { headers: { 'x-api-key': apiKey } });
  expect(res.status, `GET ${path}`).toBe(200);
  return (await res.json()) as T;
}

/** Every item of a REST list, page by page. */
export async function restAll<T>(stack: Stack, path: string, apiKey = SANDBOX_KEY): Promise<T[]> {
  const items: T[] = [];
  const sep = path.includes('?') ? '&' : '?';
  for (let offset = 0; ; offset += 100) {
    const page = await rest<RestPage<T>>(stack, `${path}${sep}limit=100&offset=${offset}`, apiKey);
    items.push(...page.data);
    if (!page.pagination.has_more) return items;
  }
}

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

export const upper = (value: string) => value.toUpperCase();
export const upperOrNull = (value: string | null) => (value === null ? null : value.toUpperCase());

/** What the GraphQL Contact must show for a REST contact. */
export function expectedContact(c: RestContact) {
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

/** "GET /v2/contact/cnt_x" with the query string, in a stable order. */
export const callLines = (calls: readonly RecordedRequest[]) =>
  calls.map((c) => {
    const query = new URLSearchParams(Object.entries(c.query).sort(([a], [b]) => (a < b ? -1 : 1)));
    return `${c.method} ${c.path}${query.size > 0 ? `?${query}` : ''}`;
  });

/** The same lines, sorted: for calls that run concurrently and may arrive in any order. */
export const sortedCallLines = (calls: readonly RecordedRequest[]) => callLines(calls).sort();
