import type { GraphQLResolveInfo } from 'graphql';
import { isId } from '../ids.js';
import { type Contact, type ContactWrite, contacts } from '../upstream/contacts.js';
import { selectedChildArgs } from './lookahead.js';
import { type ConnectionArgs, pageParams, pageParamsOf, toConnection } from './pages.js';
import { lookups, type RequestScope, requireChanges, restFields } from './scope.js';
import type { ContactSource } from './sources.js';

/** A contact's fields as the schema names them; null clears a field where HueChat allows it. */
export interface ContactInput {
  phone?: string | null;
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  preferredChannel?: string | null;
  metadata?: Record<string, unknown> | null;
}

const REST_NAMES: Record<keyof ContactInput, keyof ContactWrite> = {
  phone: 'phone',
  email: 'email',
  firstName: 'first_name',
  lastName: 'last_name',
  preferredChannel: 'preferred_channel',
  metadata: 'metadata',
};

export interface ContactConversationsArgs extends ConnectionArgs {
  status?: string | null;
  channel?: string | null;
}

/** Reads and writes of contacts for one request. */
export function contactData(scope: RequestScope) {
  const { client, caller, loaders } = scope;
  const { find, get } = lookups(loaders.contact);

  const conversationsKey = (contactId: string, args: ContactConversationsArgs, page = pageParams(args)) => ({
    contactId,
    status: args.status ?? undefined,
    channel: args.channel ?? undefined,
    ...page,
  });

  /** Starts E5 for every `conversations` selected under a contact that is about to be fetched by id. */
  const prefetchConversations = (info: GraphQLResolveInfo, contactId: string) => {
    for (const args of selectedChildArgs(info, 'Contact', 'conversations')) {
      const page = pageParamsOf(args);
      if (!page) continue;
      loaders.contactConversations
        .load(conversationsKey(contactId, args as ContactConversationsArgs, page))
        .catch(() => undefined); // the field's own resolver reports any failure
    }
  };

  return {
    /** A contact by id, with the lists its selection asks for started alongside; null when it does not exist. */
    byId(id: string, info?: GraphQLResolveInfo): Promise<Contact | null> | null {
      if (!isId('contact', id)) return null;
      const pending = find(id);
      if (info) prefetchConversations(info, id);
      return pending;
    },
    /** A contact by E.164 phone or email; null when none has it. */
    async byPhoneOrEmail(identifier: string): Promise<Contact | null> {
      const contact = await find(identifier);
      if (contact) loaders.primeContact(contact);
      return contact;
    },
    /** The whole contact behind a source; fails with NOT_FOUND when it no longer exists. */
    load: (source: ContactSource): Promise<Contact> =>
      'stub' in source ? get(source.id) : Promise.resolve(source),
    async list(args: ConnectionArgs & { search?: string | null }) {
      const page = pageParams(args);
      const result = await loaders.contactList.load({ search: args.search ?? undefined, ...page });
      return toConnection(result, page.offset);
    },
    async conversations(contactId: string, args: ContactConversationsArgs) {
      const key = conversationsKey(contactId, args);
      return toConnection(await loaders.contactConversations.load(key), key.offset);
    },
    prefetchConversations,

    async create(input: ContactInput): Promise<Contact> {
      const contact = await contacts.create(
        client,
        caller,
        restFields<ContactWrite>({ ...input }, REST_NAMES),
      );
      scope.changed({ type: 'contact.created', contact });
      return contact;
    },
    async update(id: string, input: ContactInput): Promise<Contact> {
      const body = requireChanges(restFields<ContactWrite>({ ...input }, REST_NAMES));
      const contact = await contacts.update(client, caller, id, body);
      scope.changed({ type: 'contact.updated', contact });
      return contact;
    },
    async delete(id: string): Promise<{ deletedContactId: string }> {
      await contacts.delete(client, caller, id);
      scope.changed({ type: 'contact.deleted', contactId: id });
      return { deletedContactId: id };
    },
  };
}
