import { duplicateContact, invalidInput, notFound } from '../../domain/errors.js';
import { sendMessage } from '../../domain/messaging.js';
import type { ContactRecord } from '../../domain/records.js';
import { contactJson, conversationJson, messageJson } from '../../domain/serialize.js';
import type { OrgStore } from '../../domain/store.js';
import { CHANNELS } from '../../domain/types.js';
import { createContactBody, parseBody, sendMessageBody, updateContactBody } from '../../domain/validation.js';
import type { Handler, RequestContext } from '../handler.js';
import { paginate, parseEnum, parsePage } from '../pagination.js';
import { conversationFilters } from './conversations.js';

function requireContact(ctx: RequestContext): ContactRecord {
  const identifier = ctx.params[0];
  const contact = ctx.org.resolveContact(identifier);
  if (contact === undefined) throw notFound('contact', identifier);
  return contact;
}

/** SPEC S7 + [rec]: phone and email are each unique per organisation, on create and on update. */
function checkUnique(org: OrgStore, phone: string | null, email: string | null, self?: ContactRecord): void {
  if (phone !== null) {
    const other = org.contactByPhone(phone);
    if (other !== undefined && other !== self) throw duplicateContact(other.id, 'phone');
  }
  if (email !== null) {
    const other = org.contactByEmail(email);
    if (other !== undefined && other !== self) throw duplicateContact(other.id, 'email');
  }
}

function requirePhoneOrEmail(phone: string | null, email: string | null): void {
  if (phone === null && email === null) {
    throw invalidInput(
      'phone',
      'phone or email is required',
      null,
      'E.164 phone number or an email address',
      'A contact needs a phone number or an email address',
    );
  }
}

export const createContact: Handler = ({ rt, org, body: raw }) => {
  const body = parseBody(createContactBody, raw);
  const phone = body.phone ?? null;
  const email = body.email ?? null;
  requirePhoneOrEmail(phone, email);
  checkUnique(org, phone, email);
  const now = rt.now();
  const contact: ContactRecord = {
    id: org.newId('cnt_', org.contacts),
    seq: org.seq(),
    phone,
    email,
    firstName: body.first_name,
    lastName: body.last_name ?? null,
    preferredChannel: body.preferred_channel ?? null,
    metadata: body.metadata ?? {},
    status: 'active',
    createdAt: now,
    updatedAt: now,
    lastContacted: null,
    lastWhatsappInboundAt: null,
    searchText: '',
  };
  org.addContact(contact);
  rt.emit(org, 'contact.created', () => contactJson(contact));
  return { status: 201, body: contactJson(contact) };
};

export const getContact: Handler = (ctx) => ({ status: 200, body: contactJson(requireContact(ctx)) });

export const updateContact: Handler = (ctx) => {
  const { rt, org } = ctx;
  const contact = requireContact(ctx);
  const body = parseBody(updateContactBody, ctx.body);
  const phone = body.phone === undefined ? contact.phone : body.phone;
  const email = body.email === undefined ? contact.email : body.email;
  requirePhoneOrEmail(phone, email);
  checkUnique(org, phone, email, contact);
  const oldPhone = contact.phone;
  const oldEmail = contact.email;
  contact.phone = phone;
  contact.email = email;
  if (body.first_name !== undefined) contact.firstName = body.first_name;
  if (body.last_name !== undefined) contact.lastName = body.last_name;
  if (body.preferred_channel !== undefined) contact.preferredChannel = body.preferred_channel;
  if (body.status !== undefined) contact.status = body.status;
  if (body.metadata !== undefined) {
    // A new object every time: queued webhook payloads hold the old one and must not change under them.
    const merged: Record<string, unknown> = { ...contact.metadata };
    for (const [key, value] of Object.entries(body.metadata)) {
      if (value === null) delete merged[key];
      else merged[key] = value;
    }
    contact.metadata = merged;
  }
  contact.updatedAt = rt.now();
  org.reindexContact(contact, oldPhone, oldEmail);
  rt.emit(org, 'contact.updated', () => contactJson(contact));
  return { status: 200, body: contactJson(contact) };
};

export const deleteContact: Handler = (ctx) => {
  const { rt, org } = ctx;
  const contact = requireContact(ctx);
  const last = contactJson(contact);
  org.deleteContact(contact);
  rt.emit(org, 'contact.deleted', () => last);
  return { status: 204 };
};

const CONTACT_STATUS_FILTER = ['active', 'inactive', 'deleted'] as const;

export const listContacts: Handler = ({ org, query }) => {
  const page = parsePage(query);
  const status = parseEnum(query, 'status', CONTACT_STATUS_FILTER);
  const channel = parseEnum(query, 'channel', CHANNELS);
  const search = query.search?.trim().toLowerCase();
  let contacts = org.contactsNewestFirst();
  if (status !== undefined || channel !== undefined || search) {
    contacts = contacts.filter(
      (c) =>
        (status === undefined || c.status === status) &&
        (channel === undefined || c.preferredChannel === channel) &&
        (!search || c.searchText.includes(search)),
    );
  }
  return { status: 200, body: paginate(contacts, page, contactJson) };
};

export const contactConversations: Handler = (ctx) => {
  const { rt, org, query } = ctx;
  const contact = requireContact(ctx);
  const page = parsePage(query);
  const { matches, sort } = conversationFilters(query);
  const list = org.sortConversations(org.conversationsOf(contact.id).filter(matches), sort);
  return { status: 200, body: paginate(list, page, (c) => conversationJson(org, c, rt.embedContact)) };
};

export const sendMessageToContact: Handler = (ctx) => {
  const contact = requireContact(ctx);
  const body = parseBody(sendMessageBody, ctx.body);
  const message = sendMessage(ctx.rt, ctx.org, contact, body);
  return { status: 201, body: messageJson(message) };
};
