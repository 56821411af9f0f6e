import type { Scope } from '../domain/types.js';
import type { Handler } from './handler.js';
import {
  contactConversations,
  createContact,
  deleteContact,
  getContact,
  listContacts,
  sendMessageToContact,
  updateContact,
} from './routes/contacts.js';
import {
  getConversation,
  listConversations,
  listMessages,
  listTemplates,
  updateConversation,
} from './routes/conversations.js';
import { createWebhook, deleteWebhook, getWebhook, listWebhooks, updateWebhook } from './routes/webhooks.js';

export interface Route {
  method: string;
  /** Literal segments, and `*` for a parameter. */
  pattern: readonly string[];
  /** SPEC §2 [rec] mapping of scopes to endpoints. */
  scope: Scope;
  handler: Handler;
}

/** Exactly the documented singular/plural forms (SPEC G6): no aliases, so a gateway bug shows as a 404. */
const ROUTES: readonly Route[] = [
  { method: 'POST', pattern: ['contact'], scope: 'contacts:write', handler: createContact },
  { method: 'GET', pattern: ['contact', '*'], scope: 'contacts:read', handler: getContact },
  { method: 'PUT', pattern: ['contact', '*'], scope: 'contacts:write', handler: updateContact },
  { method: 'DELETE', pattern: ['contact', '*'], scope: 'contacts:write', handler: deleteContact },
  {
    method: 'GET',
    pattern: ['contact', '*', 'conversations'],
    scope: 'contacts:read',
    handler: contactConversations,
  },
  {
    method: 'POST',
    pattern: ['contact', '*', 'message'],
    scope: 'conversations:write',
    handler: sendMessageToContact,
  },
  { method: 'GET', pattern: ['contacts'], scope: 'contacts:read', handler: listContacts },
  { method: 'GET', pattern: ['conversations'], scope: 'conversations:read', handler: listConversations },
  { method: 'GET', pattern: ['conversation', '*'], scope: 'conversations:read', handler: getConversation },
  {
    method: 'PUT',
    pattern: ['conversation', '*'],
    scope: 'conversations:write',
    handler: updateConversation,
  },
  {
    method: 'GET',
    pattern: ['conversation', '*', 'messages'],
    scope: 'conversations:read',
    handler: listMessages,
  },
  { method: 'POST', pattern: ['webhooks'], scope: 'webhooks:manage', handler: createWebhook },
  { method: 'GET', pattern: ['webhooks'], scope: 'webhooks:manage', handler: listWebhooks },
  { method: 'GET', pattern: ['webhooks', '*'], scope: 'webhooks:manage', handler: getWebhook },
  { method: 'PUT', pattern: ['webhooks', '*'], scope: 'webhooks:manage', handler: updateWebhook },
  { method: 'DELETE', pattern: ['webhooks', '*'], scope: 'webhooks:manage', handler: deleteWebhook },
  {
    method: 'GET',
    pattern: ['channels', 'whatsapp', 'templates'],
    scope: 'channels:read',
    handler: listTemplates,
  },
];

export type RouteMatch = { route: Route; params: string[] } | { allowed: string[] } | undefined;

function fits(pattern: readonly string[], segments: readonly string[], params: string[]): boolean {
  if (pattern.length !== segments.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '*') {
      if (segments[i] === '') return false;
      params.push(segments[i]);
    } else if (pattern[i] !== segments[i]) {
      return false;
    }
  }
  return true;
}

/** `segments` are the decoded path segments after /v2. A path that exists with other methods gives `allowed`. */
export function matchRoute(method: string, segments: readonly string[]): RouteMatch {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    const params: string[] = [];
    if (!fits(route.pattern, segments, params)) continue;
    if (route.method === method) return { route, params };
    allowed.push(route.method);
  }
  return allowed.length === 0 ? undefined : { allowed };
}
