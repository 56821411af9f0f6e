import DataLoader from 'dataloader';
import type { Page, PageParams } from './common.js';
import { type Contact, contacts } from './contacts.js';
import { type Conversation, type ConversationListParams, conversations } from './conversations.js';
import { UpstreamError } from './errors.js';
import type { CallerContext, UpstreamClient } from './http.js';
import { type Message, messages } from './messages.js';

export interface ContactConversationsKey extends PageParams {
  contactId: string;
  status?: string;
  channel?: string;
}
export interface ConversationMessagesKey extends PageParams {
  conversationId: string;
}

/**
 * Stable key for an object of query parameters: same parameters, same key, whatever their order; an
 * undefined parameter is an absent one. Names are identifiers and values are JSON, so `&` and `=` cannot
 * make two different objects meet.
 */
const paramsKey = (value: object) => {
  const params = value as Record<string, unknown>;
  const names = Object.keys(params);
  // Insertion sort in place: a handful of names, where Array#sort would allocate scratch space per key.
  for (let i = 1; i < names.length; i++) {
    const name = names[i];
    let j = i - 1;
    for (; j >= 0 && names[j] > name; j--) names[j + 1] = names[j];
    names[j + 1] = name;
  }
  let key = '';
  for (const name of names) {
    const v = params[name];
    if (v !== undefined) key += `${name}=${JSON.stringify(v)}&`;
  }
  return key;
};

const is404 = (err: unknown): err is UpstreamError =>
  err instanceof UpstreamError && err.kind === 'http' && err.status === 404;

/**
 * The REST API has no batch endpoint, so a "batch" is one GET per distinct key, all in flight at once;
 * the keep-alive pool's connection count bounds how many actually run together. Each key settles on
 * its own: one failing GET fails only the fields that asked for it.
 */
function perKey<K, V>(fetch: (key: K) => Promise<V>) {
  return (keys: readonly K[]) => Promise.all(keys.map((k) => fetch(k).catch((err: Error) => err)));
}

/** Per-request loaders: created in the context, never shared between requests or callers. */
export function createLoaders(client: UpstreamClient, caller: CallerContext) {
  // A lookup that found nothing is null (CONTRACT §3); the 404 itself is kept for the non-null fields
  // that needed the object, so their NOT_FOUND carries HueChat's status, error and request id.
  const notFound = new Map<string, UpstreamError>();
  const nullOn404 = <T>(kind: string, key: string, promise: Promise<T>): Promise<T | null> =>
    promise.catch((err: unknown) => {
      if (!is404(err)) throw err;
      notFound.set(`${kind}:${key}`, err);
      return null;
    });

  const contact = new DataLoader<string, Contact | null>(
    perKey((identifier) =>
      nullOn404('contact', identifier, contacts.get(client, caller, identifier)).then((c) => {
        // Found by phone or email: the same contact asked for by id later costs nothing.
        if (c && c.id !== identifier) contact.prime(c.id, c);
        return c;
      }),
    ),
  );
  const conversation = new DataLoader<string, Conversation | null>(
    perKey((id) =>
      nullOn404('conversation', id, conversations.get(client, caller, id)).then((c) => {
        // A message of this conversation names the same contact by id (Message.contact).
        if (c) primeEmbeddedContact(c);
        return c;
      }),
    ),
  );

  const primeContact = (c: Contact) => {
    contact.clear(c.id).prime(c.id, c);
  };
  // G9: a conversation may embed the full contact; then it costs no GET of its own.
  const primeEmbeddedContact = (c: Conversation) => {
    if (c.contact && 'first_name' in c.contact) primeContact(c.contact);
  };
  const primeConversation = (c: Conversation) => {
    conversation.clear(c.id).prime(c.id, c);
    primeEmbeddedContact(c);
  };
  const primePage = <T>(page: Page<T>, prime: (item: T) => void) => {
    for (const item of page.data) prime(item);
    return page;
  };

  const contactConversations = new DataLoader<ContactConversationsKey, Page<Conversation>, string>(
    perKey(({ contactId, ...params }) =>
      conversations
        .listForContact(client, caller, contactId, params)
        .then((p) => primePage(p, primeConversation)),
    ),
    { cacheKeyFn: paramsKey },
  );
  const conversationList = new DataLoader<ConversationListParams, Page<Conversation>, string>(
    perKey((params) =>
      conversations.list(client, caller, params).then((p) => primePage(p, primeConversation)),
    ),
    { cacheKeyFn: paramsKey },
  );
  const contactList = new DataLoader<PageParams & { search?: string }, Page<Contact>, string>(
    perKey((params) => contacts.list(client, caller, params).then((p) => primePage(p, primeContact))),
    { cacheKeyFn: paramsKey },
  );
  const conversationMessages = new DataLoader<ConversationMessagesKey, Page<Message>, string>(
    perKey(({ conversationId, ...params }) => messages.list(client, caller, conversationId, params)),
    { cacheKeyFn: paramsKey },
  );

  return {
    contact,
    conversation,
    contactConversations,
    conversationList,
    contactList,
    conversationMessages,
    primeContact,
    primeConversation,
    /** The upstream 404 that made a contact or conversation lookup null in this request, if any. */
    notFoundError: (kind: 'contact' | 'conversation', key: string) => notFound.get(`${kind}:${key}`),
    /** After a write: forget every list (counts, order and membership may have changed). */
    clearLists() {
      contactConversations.clearAll();
      conversationList.clearAll();
      contactList.clearAll();
      conversationMessages.clearAll();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
