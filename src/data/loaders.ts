import DataLoader from 'dataloader';
import type { CallerContext } from '../upstream/call.js';
import type { UpstreamClient } from '../upstream/client.js';
import type { Page, PageParams } from '../upstream/common.js';
import { type Contact, contacts } from '../upstream/contacts.js';
import { type Conversation, type ConversationListParams, conversations } from '../upstream/conversations.js';
import { isNotFound, type UpstreamError } from '../upstream/errors.js';
import { type Message, messages } from '../upstream/messages.js';

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

/**
 * The REST API has no batch endpoint, so a "batch" is one GET per distinct key, all in flight at once;
 * the keep-alive pool's connection count bounds how many actually run together. Each key settles on
 * its own: one failing GET fails only the fields that asked for it.
 */
function perKey<K, V>(fetch: (key: K) => Promise<V>) {
  return (keys: readonly K[]) => Promise.all(keys.map((k) => fetch(k).catch((err: Error) => err)));
}

/** HueChat's 404 for an object, kept as a loader value (DataLoader would reject on an Error value). */
export class Missing {
  constructor(readonly error: UpstreamError) {}
}

/**
 * An object looked up by id: the object, or HueChat's 404 for it, kept so that the request asks only
 * once and `lookups` (scope.ts) can decide what a missing object means where it is used.
 */
export type Lookup<T> = T | Missing;
const keep404 = <T>(promise: Promise<T>): Promise<Lookup<T>> =>
  promise.catch((err: unknown) => {
    if (isNotFound(err)) return new Missing(err);
    throw err;
  });

/** Per-request loaders: created in the context, never shared between requests or callers. */
export function createLoaders(client: UpstreamClient, caller: CallerContext) {
  const contact = new DataLoader<string, Lookup<Contact>>(
    perKey((identifier) =>
      keep404(contacts.get(client, caller, identifier)).then((c) => {
        // Found by phone or email: the same contact asked for by id later costs nothing.
        if (!(c instanceof Missing) && c.id !== identifier) contact.prime(c.id, c);
        return c;
      }),
    ),
  );
  const conversation = new DataLoader<string, Lookup<Conversation>>(
    perKey((id) =>
      keep404(conversations.get(client, caller, id)).then((c) => {
        // A message of this conversation names the same contact by id (Message.contact).
        if (!(c instanceof Missing)) primeEmbeddedContact(c);
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
    /** Forget every list (counts, order and membership may have changed). */
    clearLists() {
      contactConversations.clearAll();
      conversationList.clearAll();
      contactList.clearAll();
      conversationMessages.clearAll();
    },
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
